// Reads one HTTP/1.1 response from bytes as they arrive: status line, headers, and the body framed by
// content-length, chunked encoding or the connection's close, only as far as the check needs.
import { READ_LIMIT } from './deadline.js';

/** Bytes of a response head (status line and headers) read at most, as Node's own parser allows. */
export const HEAD_LIMIT = 16 * 1024;
/** Longest chunk-size line, extensions included, and longest trailer section. */
const CHUNK_LINE_LIMIT = 1024;

export interface Response {
  readonly status: number;
  readonly location: string | undefined;
  /** Present when the body was asked for: at most READ_LIMIT bytes. */
  readonly body: Buffer | undefined;
  /** The body was longer than READ_LIMIT, so only its beginning was read. */
  readonly cut: boolean;
  /** The response was read to its exact end and the server lets the connection be used again. */
  readonly reusable: boolean;
}

export type Reading =
  | { readonly done: false }
  | { readonly done: true; readonly response: Response }
  | { readonly done: true; readonly failed: string; readonly detail?: string };

const MORE: Reading = { done: false };
const CRLF2 = Buffer.from('\r\n\r\n');
const HTTP = Buffer.from('HTTP/');

type Framing = 'none' | 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

function invalid(detail: string): Reading {
  return { done: true, failed: 'invalid HTTP response', detail };
}

/**
 * One response, fed the connection's bytes with `feed` and its close with `end`; each returns
 * `{ done: false }` until the response is judged. `wantBody(status)` says whether the body is
 * returned; `drain` whether the body is read to its end anyway (to keep the connection).
 */
export class ResponseReader {
  /** Whether any byte arrived: a kept connection that fails before one is worth a retry. */
  started = false;
  private head: Buffer | undefined;
  private status = 0;
  private location: string | undefined;
  private reusable = false;
  private framing: Framing = 'none';
  private remaining = 0;
  private chunkState: ChunkState = 'size';
  private line = '';
  private trailerSize = 0;
  private want = false;
  private chunks: Buffer[] = [];
  private read = 0;
  private inBody = false;

  constructor(
    private readonly headRequest: boolean,
    private readonly wantBody: (status: number) => boolean,
    private readonly drain: boolean,
  ) {}

  feed(chunk: Buffer): Reading {
    if (chunk.length === 0) return MORE;
    this.started = true;
    return this.inBody ? this.body(chunk, 0) : this.readHead(chunk);
  }

  /** The peer closed the connection (or half-closed it). */
  end(): Reading {
    if (!this.inBody) return { done: true, failed: 'connection closed before a response' };
    if (this.framing === 'close') return this.answer(false, false);
    return { done: true, failed: 'connection closed while reading the body' };
  }

  private readHead(chunk: Buffer): Reading {
    const searchFrom = this.head === undefined ? 0 : Math.max(0, this.head.length - 3);
    const data = this.head === undefined ? chunk : Buffer.concat([this.head, chunk]);
    const prefix = Math.min(data.length, HTTP.length);
    if (data.compare(HTTP, 0, prefix, 0, prefix) !== 0) {
      return invalid(
        `does not start with HTTP/: ${JSON.stringify(data.toString('latin1', 0, 40))}`,
      );
    }
    const end = data.indexOf(CRLF2, searchFrom);
    if (end < 0) {
      if (data.length > HEAD_LIMIT) return invalid(`headers longer than ${HEAD_LIMIT / 1024} KiB`);
      this.head = data;
      return MORE;
    }
    if (end + 4 > HEAD_LIMIT) return invalid(`headers longer than ${HEAD_LIMIT / 1024} KiB`);
    this.head = undefined;
    const failure = this.parseHead(data.toString('latin1', 0, end));
    if (failure !== undefined) return invalid(failure);
    const rest = end + 4;
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    if (this.status >= 100 && this.status < 200 && this.status !== 101) {
      this.status = 0;
      this.location = undefined;
      return rest < data.length ? this.readHead(data.subarray(rest)) : MORE;
    }
    return this.startBody(data, rest);
  }

  /** Returns what is wrong with the head, if anything. */
  private parseHead(text: string): string | undefined {
    const [first = '', ...lines] = text.split('\r\n');
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: |$)/.exec(first);
    if (status === null) return `bad status line ${JSON.stringify(first.slice(0, 80))}`;
    const [, minor, code] = status;
    this.status = Number(code);
    let keepAlive = minor === '1';
    let length: number | undefined;
    let chunked = false;
    let encoded = false;
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) {
        return `bad header line ${JSON.stringify(line.slice(0, 80))}`;
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) return `bad content-length ${JSON.stringify(value)}`;
        if (length !== undefined && length !== Number(value)) return 'conflicting content-length';
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        encoded = true;
        chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
      } else if (name === 'connection') {
        const tokens = value.toLowerCase();
        if (/(?:^|,)\s*close\s*(?:,|$)/.test(tokens)) keepAlive = false;
        else if (/(?:^|,)\s*keep-alive\s*(?:,|$)/.test(tokens)) keepAlive = true;
      } else if (name === 'location') {
        this.location = value;
      }
    }
    const bodiless =
      this.headRequest || this.status === 204 || this.status === 304 || this.status < 200;
    if (bodiless) this.framing = 'none';
    else if (encoded) this.framing = chunked ? 'chunked' : 'close';
    else if (length !== undefined) this.framing = 'length';
    else this.framing = 'close';
    this.remaining = length ?? 0;
    // A body framed by the close, or by both a length and an encoding, leaves nothing to reuse.
    this.reusable = keepAlive && this.framing !== 'close' && !(encoded && length !== undefined);
    return undefined;
  }

  private startBody(data: Buffer, offset: number): Reading {
    this.want = this.wantBody(this.status);
    // Nothing to read for: the connection is not kept, or could not be after this body.
    if (!this.want && (!this.drain || this.framing === 'close')) return this.answer(false, false);
    this.inBody = true;
    if (this.framing === 'none' || (this.framing === 'length' && this.remaining === 0)) {
      return this.finished(data, offset);
    }
    return offset < data.length ? this.body(data, offset) : MORE;
  }

  private body(data: Buffer, offset: number): Reading {
    let at = offset;
    while (at < data.length) {
      if (this.framing === 'close') {
        return this.take(data, at, data.length) ?? MORE;
      }
      if (this.framing === 'length') {
        const stop = Math.min(data.length, at + this.remaining);
        this.remaining -= stop - at;
        const full = this.take(data, at, stop);
        if (full !== undefined) return full;
        return this.remaining === 0 ? this.finished(data, stop) : MORE;
      }
      const next = this.chunked(data, at);
      if (typeof next !== 'number') return next;
      at = next;
    }
    return MORE;
  }

  /** One step of a chunked body from `at`: the next offset, or a verdict. */
  private chunked(data: Buffer, at: number): number | Reading {
    switch (this.chunkState) {
      case 'size':
      case 'trailer': {
        const newline = data.indexOf(10, at);
        const stop = newline < 0 ? data.length : newline + 1;
        this.line += data.toString('latin1', at, stop);
        const limit = this.chunkState === 'size' ? CHUNK_LINE_LIMIT : HEAD_LIMIT;
        if (this.trailerSize + this.line.length > limit) return invalid('chunk line too long');
        if (newline < 0) return stop;
        const line = this.line.replace(/\r?\n$/, '');
        this.line = '';
        if (this.chunkState === 'trailer') {
          if (line === '') return this.finished(data, stop);
          this.trailerSize += line.length + 2;
          return stop;
        }
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (size === null) return invalid(`bad chunk size ${JSON.stringify(line.slice(0, 40))}`);
        this.remaining = parseInt(size[1] ?? '0', 16);
        this.chunkState = this.remaining === 0 ? 'trailer' : 'data';
        return stop;
      }
      case 'data': {
        const stop = Math.min(data.length, at + this.remaining);
        this.remaining -= stop - at;
        const full = this.take(data, at, stop);
        if (full !== undefined) return full;
        if (this.remaining === 0) this.chunkState = 'data-end';
        return stop;
      }
      case 'data-end': {
        // The CRLF after a chunk's data, one byte at a time as it may be split.
        const byte = data[at];
        if (byte === 13 && this.line === '') {
          this.line = '\r';
          return at + 1;
        }
        if (byte === 10) {
          this.line = '';
          this.chunkState = 'size';
          return at + 1;
        }
        return invalid('chunk not followed by CRLF');
      }
    }
  }

  /** Counts (and keeps, when wanted) body bytes; a verdict once more than READ_LIMIT arrived. */
  private take(data: Buffer, from: number, to: number): Reading | undefined {
    if (this.want) {
      const room = READ_LIMIT - this.read;
      if (room > 0) this.chunks.push(data.subarray(from, from + Math.min(room, to - from)));
    }
    this.read += to - from;
    // Enough to judge: an endless body is not waited for (and its connection is not kept).
    if (this.read > READ_LIMIT) return this.answer(true, false);
    return undefined;
  }

  /** The body ended exactly: bytes after it are not ours, so the connection is not reused then. */
  private finished(data: Buffer, offset: number): Reading {
    return this.answer(false, this.reusable && offset === data.length);
  }

  private answer(cut: boolean, reusable: boolean): Reading {
    const body = this.want ? Buffer.concat(this.chunks) : undefined;
    this.chunks = [];
    return {
      done: true,
      response: {
        status: this.status,
        location: this.location,
        body,
        cut: cut && this.want,
        reusable,
      },
    };
  }
}
