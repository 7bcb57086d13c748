// The control socket path: resolved against the working directory and refused when it cannot be bound.
import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../src/core/errors.js';
import { MAX_SOCKET_PATH_BYTES, parseSocketPath } from '../../src/core/socket-path.js';

describe('parseSocketPath', () => {
  it('resolves a relative path against the given working directory', () => {
    expect(parseSocketPath('web.sock', '/run/bgp-healthcheck')).toBe(
      '/run/bgp-healthcheck/web.sock',
    );
    expect(parseSocketPath('/run/web.sock', '/tmp')).toBe('/run/web.sock');
  });

  it('refuses a path longer than a unix socket address holds', () => {
    const long = `/${'x'.repeat(MAX_SOCKET_PATH_BYTES)}`;
    expect(() => parseSocketPath(long, '/')).toThrow(InvalidValueError);
    expect(() => parseSocketPath(long, '/')).toThrow(/^control socket path too long/);
  });

  it('refuses a directory too deep for the private directory the socket is bound in first', () => {
    // The socket's own path fits; DIR/.ctl-XXXXXX/control.sock does not.
    const dir = `/${'d'.repeat(85)}`;
    expect(Buffer.byteLength(`${dir}/s`)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    expect(() => parseSocketPath('s', dir)).toThrow(/too long/);
  });

  it('counts bytes, not characters', () => {
    const dir = `/${'é'.repeat(45)}`;
    expect(dir.length).toBeLessThan(MAX_SOCKET_PATH_BYTES - 25);
    expect(() => parseSocketPath('s', dir)).toThrow(/too long/);
  });

  it.each(['', 'a\nb', 'a\0b'])('refuses %j', (text) => {
    expect(() => parseSocketPath(text, '/run')).toThrow(InvalidValueError);
  });
});
