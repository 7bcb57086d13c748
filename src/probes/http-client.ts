// A minimal HTTP/1.1 client for the probe: prebuilt request bytes written on a plain or TLS socket,
// kept between checks or opened per check, and the response read by `ResponseReader`.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { errorMessage, type Cancellation } from './deadline.js';
import { ResponseReader, type Response } from './http-response.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  /** The TLS server name (SNI, and the name the certificate must carry); none for an address. */
  readonly servername: string | undefined;
  readonly tlsVerify: boolean;
}

/** One request: its bytes, and how much of the response it needs. */
export interface Request {
  readonly bytes: Buffer;
  readonly head: boolean;
  /** Whether the body of a response with this status is returned. */
  readonly wantBody: (status: number) => boolean;
}

export type Exchange =
  | { readonly ok: true; readonly response: Response }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly detail?: string;
      /** A kept connection failed before any byte of an answer: the server had closed it. */
      readonly stale: boolean;
    };

type Stage = 'connect' | 'tls' | 'http';

/** What the socket's events go to while a request is under way. */
interface Pending {
  data(chunk: Buffer): void;
  end(): void;
  error(error: NodeJS.ErrnoException): void;
}

/** What a header value may not hold: it is sent as Latin-1, one byte per character, as Node's own client does. */
const BAD_CHARACTER = /[^\t\x20-\x7e\x80-\xff]/;
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

/**
 * The bytes of a request without a body: the user's headers as given, `Host` from the URL unless
 * given, and `Connection` by whether the connection is kept. Throws on a header that would split
 * the request.
 */
export function requestBytes(
  method: string,
  url: URL,
  headers: Readonly<Record<string, string>>,
  keep: boolean,
  userAgent: string,
): Buffer {
  if (!NAME.test(method)) throw new Error(`invalid method '${method}'`);
  const given = new Set<string>();
  let lines = '';
  for (const [name, value] of Object.entries(headers)) {
    if (!NAME.test(name) || BAD_CHARACTER.test(value)) {
      throw new Error(`invalid header '${name}'`);
    }
    given.add(name.toLowerCase());
    lines += `${name}: ${value}\r\n`;
  }
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  if (!given.has('host')) head += `Host: ${url.host}\r\n`;
  if (!given.has('user-agent')) head += `User-Agent: ${userAgent}\r\n`;
  head += lines;
  if (!given.has('connection')) head += `Connection: ${keep ? 'keep-alive' : 'close'}\r\n`;
  if (!BODYLESS_METHODS.has(method) && !given.has('content-length')) {
    head += 'Content-Length: 0\r\n';
  }
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/**
 * A connection to one endpoint, opened on first use. `keep`: it stays open between requests while
 * the server allows, and is re-opened after any failure; otherwise it is closed after each response.
 * An idle connection is unreferenced, so it never keeps the process alive.
 */
export class HttpConnection {
  private socket: Socket | undefined;
  private stage: Stage = 'connect';
  private pending: Pending | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly keep: boolean,
  ) {}

  /** Sends one request and reads its response; a kept connection found closed is retried once. */
  async send(request: Request, signal: Cancellation): Promise<Exchange> {
    const answer = await this.exchange(request, signal);
    if (!answer.ok && answer.stale && !signal.aborted) return this.exchange(request, signal);
    return answer;
  }

  close(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.pending = undefined;
    socket?.destroy();
  }

  private exchange(request: Request, signal: Cancellation): Promise<Exchange> {
    const reused = this.socket !== undefined;
    const socket = this.socket ?? this.open();
    const reader = new ResponseReader(request.head, request.wantBody, this.keep);
    return new Promise((resolve) => {
      const finish = (answer: Exchange, reusable: boolean): void => {
        if (this.pending !== pending) return;
        this.pending = undefined;
        signal.removeEventListener('abort', onAbort);
        if (reusable && this.keep) socket.unref();
        else this.close();
        resolve(answer);
      };
      const fail = (reason: string, detail?: string): void => {
        const stale = reused && !reader.started;
        finish(
          detail === undefined
            ? { ok: false, reason, stale }
            : { ok: false, reason, detail, stale },
          false,
        );
      };
      const judge = (reading: ReturnType<ResponseReader['feed']>): void => {
        if (!reading.done) return;
        if ('failed' in reading) fail(reading.failed, reading.detail);
        else finish({ ok: true, response: reading.response }, reading.response.reusable);
      };
      const pending: Pending = {
        data: (chunk) => judge(reader.feed(chunk)),
        end: () => judge(reader.end()),
        error: (error) => {
          const message = errorMessage(error);
          if (this.stage === 'tls') fail(`TLS: ${message.replace(/; if the root CA .*$/, '')}`);
          else fail(message);
        },
      };
      const onAbort = (): void => fail('aborted');
      this.pending = pending;
      signal.addEventListener('abort', onAbort, { once: true });
      socket.ref();
      socket.write(request.bytes);
    });
  }

  private open(): Socket {
    const { host, port, secure, servername, tlsVerify } = this.endpoint;
    this.stage = 'connect';
    const socket = secure
      ? connectTls({
          host,
          port,
          rejectUnauthorized: tlsVerify,
          // An empty name sends no SNI: RFC 6066 forbids an address there.
          // The certificate is then checked against the host connected to.
          servername: servername ?? '',
        })
      : connectTcp({ host, port });
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (this.stage === 'connect') this.stage = secure ? 'tls' : 'http';
    });
    socket.on('secureConnect', () => {
      this.stage = 'http';
    });
    socket.on('data', (chunk: Buffer) => this.on(socket, (pending) => pending.data(chunk)));
    socket.on('end', () => this.on(socket, (pending) => pending.end()));
    socket.on('close', () => this.on(socket, (pending) => pending.end()));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      this.on(socket, (pending) => pending.error(error)),
    );
    this.socket = socket;
    return socket;
  }

  /** An event of a socket: for the request under way, if it is this socket's; an idle one closes. */
  private on(socket: Socket, deliver: (pending: Pending) => void): void {
    if (socket !== this.socket) return;
    if (this.pending === undefined) this.close();
    else deliver(this.pending);
  }
}
