// The response reader on bytes alone: framing, limits, and any bytes at any chunk boundaries.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { READ_LIMIT } from '../../src/probes/deadline.js';
import { HEAD_LIMIT, ResponseReader, type Reading } from '../../src/probes/http-response.js';

interface Options {
  readonly head?: boolean;
  readonly want?: boolean;
  readonly drain?: boolean;
  readonly close?: boolean;
}

/** Feeds `parts` in order (then the close, if asked) and returns the first verdict. */
function read(parts: readonly (string | Buffer)[], options: Options = {}): Reading {
  const reader = new ResponseReader(
    options.head ?? false,
    () => options.want ?? true,
    options.drain ?? true,
  );
  for (const part of parts) {
    const reading = reader.feed(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
    if (reading.done) return reading;
  }
  return options.close ? reader.end() : { done: false };
}

function response(reading: Reading) {
  if (!reading.done || 'failed' in reading)
    throw new Error(`no response: ${JSON.stringify(reading)}`);
  return { ...reading.response, body: reading.response.body?.toString('latin1') };
}

function failure(reading: Reading): string | undefined {
  return reading.done && 'failed' in reading ? reading.failed : undefined;
}

describe('response reader: framing', () => {
  it('reads a body framed by content-length and keeps the connection', () => {
    expect(response(read(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello']))).toEqual({
      status: 200,
      location: undefined,
      body: 'hello',
      cut: false,
      reusable: true,
    });
  });

  it('waits for the rest of a body split across chunks', () => {
    expect(read(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel'])).toEqual({ done: false });
    expect(response(read(['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel', 'lo'])).body).toBe(
      'hello',
    );
  });

  it('reads a chunked body, extensions and trailers included', () => {
    const bytes =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: yes\r\n\r\n';
    expect(response(read([bytes]))).toMatchObject({ body: 'hello!', reusable: true });
    // The same bytes one at a time.
    expect(response(read([...bytes]))).toMatchObject({ body: 'hello!', reusable: true });
  });

  it('reads a body framed by the close to its end and does not keep the connection', () => {
    const reading = read(['HTTP/1.1 200 OK\r\n\r\nuntil the end'], { close: true });
    expect(response(reading)).toMatchObject({ body: 'until the end', cut: false, reusable: false });
  });

  it('takes a transfer coding other than chunked as framed by the close', () => {
    const reading = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz'], {
      close: true,
    });
    expect(response(reading)).toMatchObject({ body: 'zz', reusable: false });
  });

  it('expects no body after HEAD, 204 and 304, even with a content-length', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n';
    expect(response(read([head], { head: true }))).toMatchObject({ body: '', reusable: true });
    expect(response(read(['HTTP/1.1 204 No Content\r\n\r\n']))).toMatchObject({ status: 204 });
    expect(response(read(['HTTP/1.1 304 Not Modified\r\n\r\n']))).toMatchObject({ status: 304 });
  });

  it('skips interim answers and reads the final one', () => {
    const reading = read([
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n',
      'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(response(reading)).toMatchObject({ status: 201, reusable: true });
  });

  it('gives the Location header and the status of any final answer', () => {
    const reading = read(['HTTP/1.0 302 Found\r\nlocation:  /next \r\nContent-Length: 0\r\n\r\n']);
    expect(response(reading)).toMatchObject({ status: 302, location: '/next' });
  });

  it('accepts a status line without a reason phrase', () => {
    expect(response(read(['HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n'])).status).toBe(200);
  });
});

describe('response reader: keeping the connection', () => {
  const cases: [string, string, boolean][] = [
    ['HTTP/1.1 by default', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', true],
    [
      'not after Connection: close',
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      false,
    ],
    ['not for HTTP/1.0 by default', 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    [
      'for HTTP/1.0 with keep-alive',
      'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n',
      true,
    ],
    [
      'not with both a length and chunked',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      false,
    ],
    [
      'not with bytes after the response',
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1',
      false,
    ],
  ];
  it.each(cases)('keeps it %s', (_title, bytes, reusable) => {
    expect(response(read([bytes])).reusable).toBe(reusable);
  });

  it('does not read the body when it is neither wanted nor needed for the connection', () => {
    const reader = new ResponseReader(false, () => false, false);
    const reading = reader.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n'));
    expect(response(reading)).toEqual({
      status: 200,
      location: undefined,
      body: undefined,
      cut: false,
      reusable: false,
    });
  });

  it('reads an unwanted body to its end to keep the connection, without keeping the bytes', () => {
    const reading = read(['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'abc'], { want: false });
    expect(response(reading)).toMatchObject({ body: undefined, reusable: true, cut: false });
  });

  it('does not wait for an unwanted body framed by the close', () => {
    const reading = read(['HTTP/1.1 200 OK\r\n\r\n'], { want: false });
    expect(response(reading)).toMatchObject({ body: undefined, reusable: false });
  });
});

describe('response reader: limits', () => {
  it(`stops after ${READ_LIMIT / 1024} KiB of body and says the body was cut`, () => {
    const block = Buffer.alloc(READ_LIMIT / 4, 'x');
    const reading = read(['HTTP/1.1 200 OK\r\n\r\n', block, block, block, block, 'y']);
    const answer = response(reading);
    expect(answer.body).toHaveLength(READ_LIMIT);
    expect(answer).toMatchObject({ cut: true, reusable: false });
  });

  it(`reads a body of exactly ${READ_LIMIT / 1024} KiB whole`, () => {
    const reading = read([
      `HTTP/1.1 200 OK\r\nContent-Length: ${READ_LIMIT}\r\n\r\n`,
      Buffer.alloc(READ_LIMIT, 'x'),
    ]);
    expect(response(reading)).toMatchObject({ cut: false, reusable: true });
  });

  it('stops draining an unwanted endless body without calling it cut', () => {
    const reading = read(
      ['HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\n', Buffer.alloc(READ_LIMIT + 1)],
      {
        want: false,
      },
    );
    expect(response(reading)).toMatchObject({ cut: false, reusable: false, body: undefined });
  });

  it(`refuses headers longer than ${HEAD_LIMIT / 1024} KiB, whole or in pieces`, () => {
    const endless = `HTTP/1.1 200 OK\r\n${'X-Pad: y\r\n'.repeat(HEAD_LIMIT / 10 + 1)}`;
    const whole = read([endless]);
    expect(whole).toMatchObject({
      failed: 'invalid HTTP response',
      detail: 'headers longer than 16 KiB',
    });
    expect(read([endless.slice(0, 100), endless.slice(100)])).toEqual(whole);
    expect(read([`${endless}\r\n`])).toEqual(whole);
  });

  it('refuses an endless chunk-size line', () => {
    const reading = read([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      '1'.repeat(2000),
    ]);
    expect(reading).toMatchObject({
      failed: 'invalid HTTP response',
      detail: 'chunk line too long',
    });
  });
});

describe('response reader: what is not HTTP', () => {
  const cases: [string, string, string][] = [
    [
      'another protocol',
      'SSH-2.0-OpenSSH_9.6\r\n',
      'does not start with HTTP/: "SSH-2.0-OpenSSH_9.6\\r\\n"',
    ],
    ['a bad status line', 'HTTP/2 200\r\n\r\n', 'bad status line "HTTP/2 200"'],
    ['a status of two digits', 'HTTP/1.1 20 OK\r\n\r\n', 'bad status line "HTTP/1.1 20 OK"'],
    ['a status below 100', 'HTTP/1.1 099 OK\r\n\r\n', 'bad status line "HTTP/1.1 099 OK"'],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n', 'bad header line "nocolon"'],
    [
      'a header name with a space',
      'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n',
      'bad header line "Bad Name: x"',
    ],
    ['a header without a name', 'HTTP/1.1 200 OK\r\n: x\r\n\r\n', 'bad header line ": x"'],
    [
      'a status line that only starts like one',
      'HTTP/x HTTP/1.1 200 OK\r\n\r\n',
      'bad status line "HTTP/x HTTP/1.1 200 OK"',
    ],
    [
      'a long bad header line, quoting its beginning',
      `HTTP/1.1 200 OK\r\n${'N'.repeat(100)}\r\n\r\n`,
      `bad header line "${'N'.repeat(80)}"`,
    ],
    [
      'a long bad status line, quoting its beginning',
      `HTTP/1.1 2000 ${'R'.repeat(100)}\r\n\r\n`,
      `bad status line "HTTP/1.1 2000 ${'R'.repeat(66)}"`,
    ],
    [
      'a long bad chunk size, quoting its beginning',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'z'.repeat(50)}\r\n`,
      `bad chunk size "${'z'.repeat(40)}"`,
    ],
    [
      'a content-length with more than digits',
      'HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n',
      'bad content-length "5x"',
    ],
    ['a folded header', 'HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n', 'bad header line " c"'],
    [
      'a bad content-length',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'bad content-length "-1"',
    ],
    [
      'conflicting lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'conflicting content-length',
    ],
    [
      'a bad chunk size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'bad chunk size "zz"',
    ],
    [
      'a chunk without its CRLF',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab',
      'chunk not followed by CRLF',
    ],
  ];
  it.each(cases)('refuses %s', (_title, bytes, detail) => {
    expect(read([bytes])).toEqual({ done: true, failed: 'invalid HTTP response', detail });
  });

  it('accepts repeated equal content-lengths', () => {
    const reading = read(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx']);
    expect(response(reading).body).toBe('x');
  });

  it('says why when the connection closes early', () => {
    const reader = (): ResponseReader => new ResponseReader(false, () => true, true);
    expect(reader().end()).toEqual({ done: true, failed: 'connection closed before a response' });
    const inHead = reader();
    inHead.feed(Buffer.from('HTTP/1.1 200 OK\r\n'));
    expect(failure(inHead.end())).toBe('connection closed before a response');
    const inBody = reader();
    inBody.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc'));
    expect(failure(inBody.end())).toBe('connection closed while reading the body');
  });

  it('counts a response as started from its first byte only', () => {
    const reader = new ResponseReader(false, () => true, true);
    reader.feed(Buffer.alloc(0));
    expect(reader.started).toBe(false);
    reader.feed(Buffer.from('H'));
    expect(reader.started).toBe(true);
  });
});

/** Splits `bytes` at the given cut points (any numbers, folded into its length). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

/** Responses that are mostly HTTP, with random parts: the interesting inputs. */
const plausible = fc
  .tuple(
    fc.constantFrom('HTTP/1.1 ', 'HTTP/1.0 ', 'HTTP/1.1 1', 'HTTP/', 'HTTX/1.1 ', ''),
    fc.integer({ min: 0, max: 999 }),
    fc.array(
      fc.oneof(
        fc.constantFrom(
          'Content-Length: 5',
          'Content-Length: 0',
          'Content-Length: x',
          'Transfer-Encoding: chunked',
          'Connection: close',
          'Location: /a',
          ' folded',
        ),
        fc.string({ maxLength: 20 }),
      ),
      { maxLength: 5 },
    ),
    fc.oneof(
      fc.constantFrom('hello', '5\r\nhello\r\n0\r\n\r\n', 'ffffffffffff\r\n', '0\r\n\r\n'),
      fc.string({ maxLength: 40 }),
    ),
  )
  .map(([version, status, headers, body]) =>
    Buffer.from(
      `${version}${status} X\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`,
      'latin1',
    ),
  );

describe('response reader: edges', () => {
  it('takes 101 as the final answer and any other 1xx as interim, forgetting its Location', () => {
    expect(response(read(['HTTP/1.1 101 Switching Protocols\r\n\r\n']))).toMatchObject({
      status: 101,
      body: '',
    });
    const reading = read([
      'HTTP/1.1 199 Odd\r\nLocation: /interim\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
    ]);
    expect(response(reading)).toMatchObject({ status: 200, location: undefined });
  });

  it('reads headers of exactly the limit, split anywhere, and refuses one byte more', () => {
    const start = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ';
    const pad = (size: number): string => `${start}${'y'.repeat(size - start.length - 4)}\r\n\r\n`;
    const exact = pad(HEAD_LIMIT);
    expect(exact).toHaveLength(HEAD_LIMIT);
    expect(response(read([exact])).status).toBe(200);
    expect(
      response(read([exact.slice(0, HEAD_LIMIT - 2), exact.slice(HEAD_LIMIT - 2)])).status,
    ).toBe(200);
    const over = { failed: 'invalid HTTP response', detail: 'headers longer than 16 KiB' };
    expect(read([pad(HEAD_LIMIT + 1)])).toMatchObject(over);
    const long = pad(HEAD_LIMIT + 1);
    expect(read([long.slice(0, HEAD_LIMIT + 1), long.slice(HEAD_LIMIT + 1)])).toMatchObject(over);
  });

  it('finds the end of the headers when it is split across chunks', () => {
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx';
    const end = head.indexOf('\r\n\r\n');
    for (let at = end; at <= end + 4; at++) {
      const parts = [head.slice(0, at), head.slice(at, end + 4), head.slice(end + 4)];
      expect(response(read(parts)).body).toBe('x');
    }
  });

  it('refuses a content-length of more than 15 digits', () => {
    expect(
      response(read(['HTTP/1.1 200 OK\r\nContent-Length: 000000000000001\r\n\r\nx'])).body,
    ).toBe('x');
    expect(read(['HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\n'])).toMatchObject({
      detail: 'bad content-length "1000000000000000"',
    });
  });

  it('reads a body as chunked only when chunked is the last coding', () => {
    const chunked = read([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n',
    ]);
    expect(response(chunked)).toMatchObject({ body: 'zz', reusable: true });
    const closed = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nzz'], {
      close: true,
    });
    expect(response(closed)).toMatchObject({ body: '2\r\nzz', reusable: false });
  });

  it('reads the Connection header as a list of tokens', () => {
    const keeps = (value: string, version = '1.1'): boolean =>
      response(
        read([`HTTP/${version} 200 OK\r\nConnection: ${value}\r\nContent-Length: 0\r\n\r\n`]),
      ).reusable;
    expect(keeps('Upgrade, CLOSE')).toBe(false);
    expect(keeps('close , upgrade')).toBe(false);
    expect(keeps('closed')).toBe(true);
    expect(keeps('keep-alive, close', '1.0')).toBe(false);
    expect(keeps('upgrade,keep-alive', '1.0')).toBe(true);
    expect(keeps('keep-alive-not', '1.0')).toBe(false);
  });

  it('keeps the connection after a bodiless answer that gives a length', () => {
    const reading = read(['HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n']);
    expect(response(reading)).toMatchObject({ status: 304, body: '', reusable: true });
  });

  it('reads chunk sizes in hex up to 12 digits, with spaces and extensions after them', () => {
    const body = (size: string): Reading =>
      read([`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n`, 'abcdefghijk']);
    expect(
      response(
        read([
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
          'A \t;name="v"\r\n0123456789\r\n00\r\n\r\n',
        ]),
      ),
    ).toMatchObject({ body: '0123456789', reusable: true });
    expect(body('00000000000a')).toMatchObject({ detail: 'chunk not followed by CRLF' });
    expect(body('000000000000a')).toMatchObject({ detail: 'bad chunk size "000000000000a"' });
    expect(body('a x')).toMatchObject({ detail: 'bad chunk size "a x"' });
  });

  it('takes a bare LF after chunk data, and refuses anything else there', () => {
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx';
    expect(response(read([`${chunked}\n0\r\n\r\n`])).body).toBe('x');
    expect(response(read([`${chunked}\r`, '\n0\r\n\r\n'])).body).toBe('x');
    expect(response(read([`${chunked}\r\n0\r`, '\n\r\n'])).body).toBe('x');
    expect(read([`${chunked}\r\r\n`])).toMatchObject({ detail: 'chunk not followed by CRLF' });
    expect(read([`${chunked}x`])).toMatchObject({ detail: 'chunk not followed by CRLF' });
  });

  it(`allows trailers up to ${HEAD_LIMIT / 1024} KiB in all, each line longer than a chunk-size line`, () => {
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n';
    const line = `X-T: ${'t'.repeat(2000)}\r\n`;
    expect(response(read([`${chunked}${line}\r\n`])).reusable).toBe(true);
    expect(read([`${chunked}${line.repeat(9)}\r\n`])).toMatchObject({
      detail: 'chunk line too long',
    });
  });

  it('keeps at most the limit of a chunked body that goes on, and says it was cut', () => {
    const size = (READ_LIMIT + 10).toString(16);
    const reading = read([
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n`,
      Buffer.alloc(READ_LIMIT + 10, 'c'),
    ]);
    expect(response(reading)).toMatchObject({ cut: true, reusable: false });
    expect(response(reading).body).toHaveLength(READ_LIMIT);
  });

  it('says the body of a response closed in its chunks was cut short', () => {
    const reading = read(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'], {
      close: true,
    });
    expect(reading).toEqual({ done: true, failed: 'connection closed while reading the body' });
  });
});

describe('response reader: fuzzed bytes', () => {
  it('gives a response or a reason for any bytes at any chunk boundaries, and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          plausible,
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        ),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (bytes, cuts, head, want, drain) => {
          const reader = new ResponseReader(head, () => want, drain);
          let verdict: Reading = { done: false };
          for (const part of split(bytes, cuts)) {
            verdict = reader.feed(part);
            if (verdict.done) break;
          }
          if (!verdict.done) verdict = reader.end();
          expect(verdict.done).toBe(true);
          if ('failed' in verdict) {
            expect(verdict.failed.length).toBeGreaterThan(0);
          } else if (verdict.done) {
            expect(verdict.response.status).toBeGreaterThanOrEqual(100);
            expect(verdict.response.body?.length ?? 0).toBeLessThanOrEqual(READ_LIMIT);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives the same verdict to a whole response followed by bytes, whether they come with it or later', () => {
    const head = 'HTTP/1.1 200 X\r\nContent-Length: 0\r\n\r\n';
    const together = read([`${head}  `], { close: true });
    const later = read([head, '  '], { close: true });
    expect(response(together)).toMatchObject({ status: 200, reusable: false });
    expect(response(later)).toMatchObject({ status: 200, reusable: true });
  });

  it('judges a response the same however its bytes are split', () => {
    fc.assert(
      fc.property(plausible, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        // The detail quotes what had arrived when the reader gave up, so only the verdict is compared.
        // Bytes after a whole response make it unreusable only when they arrive with it: later
        // ones are the client's to see (it closes a connection that sends more than it was asked).
        const verdict = (reading: Reading): unknown => {
          if ('failed' in reading) return reading.failed;
          if (!reading.done) return reading;
          return { ...reading.response, reusable: undefined };
        };
        const reusable = (reading: Reading): boolean =>
          reading.done && !('failed' in reading) && reading.response.reusable;
        const whole = read([bytes], { close: true });
        const pieces = read(split(bytes, cuts), { close: true });
        expect(verdict(pieces)).toEqual(verdict(whole));
        if (reusable(whole)) expect(reusable(pieces)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
