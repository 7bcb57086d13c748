// IP addresses and networks: parsed, canonical (as Python's str()), host bits refused, deaggregated.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../src/core/errors.js';
import {
  deaggregate,
  hostPrefix,
  isLoopback,
  parseIpAddress,
  parseIpPrefix,
  prefixSize,
} from '../../src/core/ip.js';

describe('parseIpAddress', () => {
  // Right-hand sides are what the reference's ip_address() prints for the same input.
  it.each([
    ['192.0.2.1', '192.0.2.1', 4],
    ['2001:DB8::A', '2001:db8::a', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['2001:db8::0:1', '2001:db8::1', 6],
    ['2001:0DB8:0:0:0:0:0:10', '2001:db8::10', 6],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1', 6],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6],
    ['2001:0:0:1::1', '2001:0:0:1::1', 6],
    ['fe80::1:0:0:0', 'fe80::1:0:0:0', 6],
    ['0:0:0:0:0:0:0:0', '::', 6],
    ['::ffff:192.0.2.1', '::ffff:c000:201', 6],
  ])('prints %s as %s (family %i)', (input, text, family) => {
    expect(parseIpAddress(input)).toEqual({ kind: 'address', family, text });
  });

  it.each([
    '',
    '1',
    '4294967295',
    '1.2.3',
    '0x7f.0.0.1',
    '256.0.0.1',
    '192.0.2.1%eth0',
    'fe80::1%eth0',
    ' 192.0.2.1',
    '192.0.2.1 ',
    'self',
    '2001:db8::1::2',
    '192.0.2.1/32',
  ])('rejects %j', (input) => {
    expect(() => parseIpAddress(input)).toThrow(InvalidValueError);
  });
});

describe('parseIpPrefix', () => {
  it.each([
    ['198.51.100.10', '198.51.100.10/32'],
    ['198.51.100.10/32', '198.51.100.10/32'],
    ['198.51.100.0/24', '198.51.100.0/24'],
    ['192.0.2.1/032', '192.0.2.1/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:db8::10', '2001:db8::10/128'],
    ['2001:DB8:0::/64', '2001:db8::/64'],
    ['::/0', '::/0'],
  ])('reads %s as %s', (input, text) => {
    expect(parseIpPrefix(input).text).toBe(text);
  });

  it('keeps the parts of a prefix apart', () => {
    expect(parseIpPrefix('2001:DB8::/48')).toEqual({
      kind: 'prefix',
      family: 6,
      address: '2001:db8::',
      length: 48,
      text: '2001:db8::/48',
    });
  });

  it.each(['198.51.100.1/24', '198.51.100.17/30', '2001:db8::1/64', '0.0.0.1/0'])(
    'rejects %s because host bits are set, as ip_network() does',
    (input) => {
      expect(() => parseIpPrefix(input)).toThrow(/host bits/);
    },
  );

  it.each([
    '198.51.100.1/33',
    '2001:db8::/129',
    '198.51.100.1/',
    '198.51.100.1/-1',
    '198.51.100.0/24 ',
    '1',
    '1/32',
  ])('rejects %j', (input) => {
    expect(() => parseIpPrefix(input)).toThrow(InvalidValueError);
  });
});

describe('deaggregate and friends', () => {
  it('splits a /30 into its four host prefixes in order', () => {
    expect(deaggregate(parseIpPrefix('198.51.100.16/30')).map((p) => p.text)).toEqual([
      '198.51.100.16/32',
      '198.51.100.17/32',
      '198.51.100.18/32',
      '198.51.100.19/32',
    ]);
  });

  it('splits an IPv6 /126 into four /128s', () => {
    expect(deaggregate(parseIpPrefix('2001:db8::/126')).map((p) => p.text)).toEqual([
      '2001:db8::/128',
      '2001:db8::1/128',
      '2001:db8::2/128',
      '2001:db8::3/128',
    ]);
  });

  it('carries across octets', () => {
    expect(deaggregate(parseIpPrefix('198.51.100.254/31')).map((p) => p.text)).toEqual([
      '198.51.100.254/32',
      '198.51.100.255/32',
    ]);
    expect(deaggregate(parseIpPrefix('10.0.0.255')).map((p) => p.text)).toEqual(['10.0.0.255/32']);
  });

  it('counts the addresses of a prefix as a bigint', () => {
    expect(prefixSize(parseIpPrefix('198.51.100.0/24'))).toBe(256n);
    expect(prefixSize(parseIpPrefix('2001:db8::/64'))).toBe(1n << 64n);
  });

  it('makes a host prefix of an address', () => {
    expect(hostPrefix(parseIpAddress('2001:DB8::1')).text).toBe('2001:db8::1/128');
  });

  it('knows the loopback ranges', () => {
    expect(isLoopback(parseIpPrefix('127.0.0.2'))).toBe(true);
    expect(isLoopback(parseIpPrefix('::1'))).toBe(true);
    expect(isLoopback(parseIpPrefix('198.51.100.1'))).toBe(false);
  });
});

describe('parsing text with a line break', () => {
  it('rejects it in addresses and prefixes, wherever the line break is', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('198.51.100.1', '2001:db8::1', '198.51.100.0/24'),
        fc.constantFrom('\n', '\r', '\r\n'),
        fc.nat(),
        (valid, br, at) => {
          const i = at % (valid.length + 1);
          const text = valid.slice(0, i) + br + valid.slice(i);
          expect(() => parseIpAddress(text)).toThrow(InvalidValueError);
          expect(() => parseIpPrefix(text)).toThrow(InvalidValueError);
        },
      ),
    );
  });
});
