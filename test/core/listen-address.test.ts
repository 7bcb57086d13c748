// The metrics listener's address: IPv4, bracketed IPv6 or a bare port, and nothing else.
import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../src/core/errors.js';
import { formatListenAddress, parseListenAddress } from '../../src/core/listen-address.js';

describe('parseListenAddress', () => {
  it('reads IPv4, bracketed IPv6 and a bare port, which means 127.0.0.1', () => {
    expect(parseListenAddress('127.0.0.1:9101')).toEqual({ host: '127.0.0.1', port: 9101 });
    expect(parseListenAddress('[::1]:9101')).toEqual({ host: '::1', port: 9101 });
    expect(parseListenAddress(':9101')).toEqual({ host: '127.0.0.1', port: 9101 });
    expect(parseListenAddress('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
  });

  it.each([
    '',
    '9101',
    'localhost:9101',
    '::1:9101',
    '[127.0.0.1]:1',
    '1.2.3.4:65536',
    '1.2.3:80',
    '[::1]:',
    ':x',
    ':9101\n',
  ])('rejects %j with an InvalidValueError saying what is expected', (text) => {
    expect(() => parseListenAddress(text)).toThrow(InvalidValueError);
    expect(() => parseListenAddress(text)).toThrow(/expected HOST:PORT/);
  });
});

describe('formatListenAddress', () => {
  it('writes IPv6 hosts in brackets and reads back as the same address', () => {
    for (const text of ['127.0.0.1:9101', '[::1]:9101', '0.0.0.0:0']) {
      expect(formatListenAddress(parseListenAddress(text))).toBe(text);
    }
  });
});
