import { describe, expect, it } from 'vitest';
import {
  MAX_REQUEST_BYTES,
  encodeLine,
  parseRequest,
  parseResponse,
} from '../../src/control/protocol.js';

/** The error message of a refused parse, or null when it was accepted. */
function errorOf(parsed: { ok: true } | { ok: false; error: string }): string | null {
  return parsed.ok ? null : parsed.error;
}

describe('control protocol', () => {
  it('accepts each operation with its fields', () => {
    expect(parseRequest('{"op":"status"}')).toEqual({ ok: true, value: { op: 'status' } });
    expect(
      parseRequest('{"op":"disable","service":"web","reason":"kernel upgrade","by":"alice"}'),
    ).toEqual({
      ok: true,
      value: { op: 'disable', service: 'web', reason: 'kernel upgrade', by: 'alice' },
    });
    for (const op of ['enable', 'drain', 'check']) {
      expect(parseRequest(JSON.stringify({ op, service: 'dns' })).ok).toBe(true);
    }
    expect(parseRequest('{"op":"reload"}').ok).toBe(true);
  });

  it('refuses malformed JSON with a message that says so', () => {
    expect(errorOf(parseRequest('{"op":'))).toMatch(/^malformed request: not JSON/);
  });

  it('refuses JSON that is not an object', () => {
    expect(errorOf(parseRequest('[1,2]'))).toMatch(/expected a JSON object/);
    expect(errorOf(parseRequest('null'))).toMatch(/expected a JSON object/);
  });

  it('names the valid operations when the op is unknown', () => {
    expect(errorOf(parseRequest('{"op":"reboot"}'))).toContain(
      'status, disable, enable, drain, check, reload',
    );
  });

  it('names the missing field of a disable request', () => {
    expect(errorOf(parseRequest('{"op":"disable","service":"web"}'))).toMatch(
      /^invalid request: reason/,
    );
  });

  it('refuses unknown fields so a typo is not silently ignored', () => {
    const parsed = parseRequest('{"op":"enable","service":"web","servcie":"x"}');
    expect(errorOf(parsed)).toContain('unknown field(s): servcie');
  });

  it('refuses control characters in names and reasons', () => {
    const parsed = parseRequest(
      JSON.stringify({ op: 'disable', service: 'web', reason: 'a\nannounce route 1.2.3.4/32' }),
    );
    expect(errorOf(parsed)).toContain(
      'reason must not contain control or line-breaking characters (found U+000A)',
    );
  });

  it.each([
    ['NEL', '\u0085'],
    ['LINE SEPARATOR', '\u2028'],
    ['PARAGRAPH SEPARATOR', '\u2029'],
    ['a C1 control', '\u009b'],
    ['DEL', '\u007f'],
    ['ESC', '\u001b'],
  ])('refuses %s in a reason, a service and a requester', (_what, char) => {
    const reason = `kernel${char}upgrade`;
    const code = `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    expect(errorOf(parseRequest(JSON.stringify({ op: 'disable', service: 'web', reason })))).toBe(
      `invalid request: reason: reason must not contain control or line-breaking characters (found ${code})`,
    );
    expect(errorOf(parseRequest(JSON.stringify({ op: 'enable', service: `web${char}` })))).toMatch(
      /service must not contain control or line-breaking characters/,
    );
    expect(errorOf(parseRequest(JSON.stringify({ op: 'reload', by: `root${char}` })))).toMatch(
      /by must not contain control or line-breaking characters/,
    );
  });

  it('keeps the length and emptiness limits', () => {
    const disable = (reason: string) =>
      errorOf(parseRequest(JSON.stringify({ op: 'disable', service: 'web', reason })));
    expect(disable('')).toBe('invalid request: reason: reason must not be empty');
    expect(disable('x'.repeat(501))).toBe(
      'invalid request: reason: reason must be at most 500 characters',
    );
    expect(disable('café, kernel upgrade')).toBeNull();
    expect(errorOf(parseRequest('{"op":"disable","service":"web","reason":7}'))).toBe(
      'invalid request: reason: reason must be a string',
    );
  });

  it('refuses a request over 64 KiB before parsing it', () => {
    const big = JSON.stringify({
      op: 'disable',
      service: 'web',
      reason: 'x'.repeat(MAX_REQUEST_BYTES),
    });
    expect(errorOf(parseRequest(big))).toBe('request too large (over 65536 bytes)');
  });

  it('encodes a response with a newline inside a string as one line', () => {
    const line = encodeLine({ ok: false, error: 'two\nlines' });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(parseResponse(line.trimEnd())).toEqual({
      ok: true,
      value: { ok: false, error: 'two\nlines' },
    });
  });

  it('reads a success without a value as a null value', () => {
    expect(parseResponse('{"ok":true}')).toEqual({ ok: true, value: { ok: true, value: null } });
  });

  it('refuses a response that is neither success nor error', () => {
    expect(parseResponse('{"ok":"maybe"}').ok).toBe(false);
    expect(parseResponse('nope').ok).toBe(false);
  });
});
