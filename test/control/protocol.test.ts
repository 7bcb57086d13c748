import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES, encodeLine, parseRequest, parseResponse } from '../../src/control/protocol.js';

describe('control protocol', () => {
  it('accepts each operation with its fields', () => {
    expect(parseRequest('{"op":"status"}')).toEqual({ ok: true, value: { op: 'status' } });
    expect(parseRequest('{"op":"disable","service":"web","reason":"kernel upgrade","by":"alice"}')).toEqual({
      ok: true,
      value: { op: 'disable', service: 'web', reason: 'kernel upgrade', by: 'alice' },
    });
    for (const op of ['enable', 'drain', 'check']) {
      expect(parseRequest(JSON.stringify({ op, service: 'dns' })).ok).toBe(true);
    }
    expect(parseRequest('{"op":"reload"}').ok).toBe(true);
  });

  it('refuses malformed JSON with a message that says so', () => {
    const parsed = parseRequest('{"op":');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^malformed request: not JSON/);
  });

  it('refuses JSON that is not an object', () => {
    expect(parseRequest('[1,2]')).toMatchObject({ ok: false, error: expect.stringMatching(/expected a JSON object/) });
    expect(parseRequest('null')).toMatchObject({ ok: false });
  });

  it('names the valid operations when the op is unknown', () => {
    const parsed = parseRequest('{"op":"reboot"}');
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('status, disable, enable, drain, check, reload') });
  });

  it('names the missing field of a disable request', () => {
    const parsed = parseRequest('{"op":"disable","service":"web"}');
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('reason') });
  });

  it('refuses unknown fields so a typo is not silently ignored', () => {
    const parsed = parseRequest('{"op":"enable","service":"web","servcie":"x"}');
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('servcie') });
  });

  it('refuses control characters in names and reasons', () => {
    const parsed = parseRequest(JSON.stringify({ op: 'disable', service: 'web', reason: 'a\nannounce route 1.2.3.4/32' }));
    expect(parsed).toMatchObject({ ok: false, error: expect.stringContaining('control characters') });
  });

  it('refuses a request over 64 KiB before parsing it', () => {
    const big = JSON.stringify({ op: 'disable', service: 'web', reason: 'x'.repeat(MAX_REQUEST_BYTES) });
    expect(parseRequest(big)).toMatchObject({ ok: false, error: expect.stringMatching(/too large/) });
  });

  it('encodes a response with a newline inside a string as one line', () => {
    const line = encodeLine({ ok: false, error: 'two\nlines' });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(parseResponse(line.trimEnd())).toEqual({ ok: true, value: { ok: false, error: 'two\nlines' } });
  });

  it('refuses a response that is neither success nor error', () => {
    expect(parseResponse('{"ok":"maybe"}').ok).toBe(false);
    expect(parseResponse('nope').ok).toBe(false);
  });
});
