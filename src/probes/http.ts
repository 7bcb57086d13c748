// The http/https probe: one request, on a fresh connection or a kept one, judged by status and body.
import * as http from 'node:http';
import * as https from 'node:https';
import { connect, isIP } from 'node:net';
import type { Probe } from '../core/probe.js';
import type { HttpCheck } from '../core/service.js';
import {
  READ_LIMIT,
  errorMessage,
  quoteSample,
  withDeadline,
  type Cancellation,
  type Outcome,
} from './deadline.js';

/** Redirects followed at most, when `followRedirects` is on. */
export const MAX_REDIRECTS = 5;
export const DEFAULT_EXPECT_STATUS: readonly (readonly [number, number])[] = [[200, 299]];
const USER_AGENT = 'bgp-healthcheck';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Exchange =
  | {
      readonly failed: Outcome;
      /** The request failed on a kept connection the server had closed meanwhile: worth one retry. */
      readonly stale?: boolean;
    }
  | {
      readonly failed?: undefined;
      readonly status: number;
      readonly location: string | undefined;
      /** Present when the body was read: at most READ_LIMIT bytes. */
      readonly body?: Buffer;
      readonly cut?: boolean;
    };

/**
 * Healthy when the final response's status is in `expectStatus` (default 200-299) and its body, of
 * which at most 64 KiB is read, satisfies `bodyContains`/`bodyMatches`. A fresh connection per check
 * unless `keepAlive`: then one connection per origin is kept between checks.
 */
export function httpProbe(spec: HttpCheck, timeoutMs: number): Probe {
  const prepared = prepare(spec);
  const kept = spec.keepAlive ? keptConnections() : undefined;
  return (signal) =>
    withDeadline(signal, timeoutMs, async (inner) =>
      'failed' in prepared ? prepared.failed : run(spec, prepared, kept, inner),
    );
}

/** The agent for a request, by scheme. */
type Agents = (secure: boolean) => http.Agent;

/** Made on first use; no TLS session is resumed, so every new connection verifies the certificate. */
function agents(options: http.AgentOptions): Agents {
  let plain: http.Agent | undefined;
  let secure: https.Agent | undefined;
  return (tls) =>
    tls
      ? (secure ??= new https.Agent({ ...options, maxCachedSessions: 0 }))
      : (plain ??= new http.Agent(options));
}

/** One probe's agents: each keeps at most one connection per origin between checks. An idle
 * connection is unreferenced, so it never keeps the process alive. */
const keptConnections = (): Agents => agents({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });

/** Shared by every https probe without keep-alive: a connection per request, closed after it. A
 * plain http request without keep-alive needs no agent at all: it opens its own connection. */
const freshConnections = agents({ keepAlive: false });

interface Prepared {
  readonly url: URL;
  readonly pattern: RegExp | undefined;
  readonly ranges: readonly (readonly [number, number])[];
}

function prepare(spec: HttpCheck): Prepared | { readonly failed: Outcome } {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { failed: { ok: false, reason: `invalid URL '${spec.url}'` } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { failed: { ok: false, reason: `unsupported URL scheme '${url.protocol}'` } };
  }
  let pattern: RegExp | undefined;
  try {
    pattern = spec.bodyMatches === undefined ? undefined : new RegExp(spec.bodyMatches);
  } catch (error) {
    return { failed: { ok: false, reason: `invalid bodyMatches: ${errorMessage(error)}` } };
  }
  const ranges = spec.expectStatus.length > 0 ? spec.expectStatus : DEFAULT_EXPECT_STATUS;
  return { url, pattern, ranges };
}

async function run(
  spec: HttpCheck,
  prepared: Prepared,
  kept: Agents | undefined,
  signal: Cancellation,
): Promise<Outcome> {
  const needBody = spec.bodyContains !== undefined || prepared.pattern !== undefined;
  const accepted = (status: number): boolean =>
    prepared.ranges.some(([low, high]) => status >= low && status <= high);
  const follows = (status: number): boolean => spec.followRedirects && REDIRECTS.has(status);
  let url = prepared.url;
  let method = spec.method.toUpperCase();
  let headers: Record<string, string> = { ...spec.headers };

  for (let hop = 0; ; hop++) {
    const secure = url.protocol === 'https:';
    const request: Request = {
      url,
      method,
      headers,
      tlsVerify: spec.tlsVerify,
      agent: kept ? kept(secure) : secure ? freshConnections(true) : undefined,
      keep: kept !== undefined,
      wantBody: (status) => needBody && !follows(status) && accepted(status),
    };
    let answer = await exchange(request, signal);
    // A kept connection may have been closed by the server just as it was reused: once more, fresh.
    if (answer.failed && answer.stale && !signal.aborted) answer = await exchange(request, signal);
    if (answer.failed) return answer.failed;
    if (follows(answer.status) && answer.location !== undefined) {
      if (hop >= MAX_REDIRECTS) {
        return { ok: false, reason: `too many redirects (more than ${MAX_REDIRECTS})` };
      }
      let next: URL;
      try {
        next = new URL(answer.location, url);
      } catch {
        return { ok: false, reason: `invalid redirect to '${answer.location}'` };
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        return { ok: false, reason: `redirect to unsupported scheme '${next.protocol}'` };
      }
      // As browsers do: 303, and 301/302 after a POST, continue with GET.
      if (answer.status === 303 || (answer.status <= 302 && method === 'POST')) method = 'GET';
      // A Host header chosen for one origin would be wrong on another.
      if (next.host !== url.host) headers = withoutHeader(headers, 'host');
      url = next;
      continue;
    }
    if (!accepted(answer.status)) {
      const where = answer.location === undefined ? {} : { detail: `Location: ${answer.location}` };
      return { ok: false, reason: `HTTP ${answer.status}`, ...where };
    }
    return judgeBody(spec, prepared.pattern, answer.body, answer.cut === true, answer.status);
  }
}

function judgeBody(
  spec: HttpCheck,
  pattern: RegExp | undefined,
  body: Buffer | undefined,
  cut: boolean,
  status: number,
): Outcome {
  if (body === undefined) return { ok: true, detail: `HTTP ${status}` };
  const text = body.toString('utf8');
  const note = cut ? ` (first ${READ_LIMIT / 1024} KiB read)` : '';
  if (spec.bodyContains !== undefined && !text.includes(spec.bodyContains)) {
    return {
      ok: false,
      reason: `body does not contain '${spec.bodyContains}'`,
      detail: `body${note}: ${quoteSample(text)}`,
    };
  }
  if (pattern !== undefined && !pattern.test(text)) {
    return {
      ok: false,
      reason: `body does not match /${pattern.source}/`,
      detail: `body${note}: ${quoteSample(text)}`,
    };
  }
  return { ok: true, detail: `HTTP ${status}` };
}

type Stage = 'connect' | 'tls' | 'http';

/** One request of a check. */
interface Request {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tlsVerify: boolean;
  /** None: the request opens a plain connection of its own, as an agent would, without its
   * bookkeeping (a thousand services check every second). */
  readonly agent: http.Agent | undefined;
  /** Whether the agent keeps the connection; otherwise it is closed after the response. */
  readonly keep: boolean;
  /** Whether the body of a response with this status is read and returned. */
  readonly wantBody: (status: number) => boolean;
}

function exchange(
  { url, method, headers, tlsVerify, agent, keep, wantBody }: Request,
  signal: Cancellation,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const secure = url.protocol === 'https:';
    const host = bare(url.hostname);
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const options: https.RequestOptions = {
      method,
      host,
      port,
      path: `${url.pathname}${url.search}`,
      headers: {
        'user-agent': USER_AGENT,
        ...headers,
        ...(keep ? {} : { connection: 'close' }),
      },
    };
    if (agent) options.agent = agent;
    else options.createConnection = () => connect({ host, port });
    if (secure) {
      options.rejectUnauthorized = tlsVerify;
      const sni = serverName(headerValue(headers, 'host') ?? url.hostname);
      if (sni !== undefined) options.servername = sni;
    }
    let stage: Stage = 'connect';
    let settled = false;
    let answered = false;
    const request = (secure ? https : http).request(options);
    /** `ended`: the response was read to its end, so a kept connection goes back to its agent. */
    const finish = (result: Exchange, ended = false): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (!(ended && keep)) request.destroy();
      resolve(result);
    };
    const fail = (reason: string, detail?: string, stale = false): void =>
      finish({
        failed: detail === undefined ? { ok: false, reason } : { ok: false, reason, detail },
        stale,
      });
    const onAbort = (): void => fail('aborted');
    signal.addEventListener('abort', onAbort, { once: true });

    request.on('socket', (socket) => {
      // A kept connection is already open (and past its TLS handshake): no listener may pile up on it.
      if (request.reusedSocket) {
        stage = 'http';
        return;
      }
      socket.once('connect', () => {
        if (stage === 'connect') stage = secure ? 'tls' : 'http';
      });
      socket.once('secureConnect', () => {
        stage = 'http';
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const failure = describeError(error, stage);
      const stale = !answered && request.reusedSocket && isResetBeforeResponse(error);
      fail(failure.reason, failure.detail, stale);
    });
    request.on('response', (response) => {
      answered = true;
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      const read = wantBody(status);
      // Without keep-alive the connection closes anyway; with it, the body is read to its end first.
      if (!read && !keep) {
        finish({ status, location });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const body = (): Buffer | undefined => (read ? Buffer.concat(chunks) : undefined);
      response.on('data', (chunk: Buffer) => {
        const room = READ_LIMIT - size;
        if (read) chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        // Enough to judge: an endless body is not waited for (and its connection is not kept).
        if (size >= READ_LIMIT) finish({ status, location, body: body(), cut: read });
      });
      response.on('end', () => finish({ status, location, body: body() }, true));
      response.on('error', (error) =>
        fail(`connection lost while reading the body (${errorMessage(error)})`),
      );
      response.on('close', () => {
        if (!response.complete) fail('connection closed while reading the body');
      });
    });
    request.end();
  });
}

/** No response, the connection closed or reset: what a kept connection the server dropped gives. */
function isResetBeforeResponse(error: NodeJS.ErrnoException): boolean {
  return (
    error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.message === 'socket hang up'
  );
}

function describeError(
  error: NodeJS.ErrnoException,
  stage: Stage,
): { reason: string; detail?: string } {
  const code = error.code ?? '';
  if (code.startsWith('HPE_')) {
    return { reason: 'invalid HTTP response', detail: error.message };
  }
  // Node 24 appends advice on its own flags to certificate errors: the reason keeps the error alone.
  if (stage === 'tls')
    return { reason: `TLS: ${error.message.replace(/; if the root CA .*$/, '')}` };
  // Node's wording for a peer that closed without answering.
  if (error.message === 'socket hang up') {
    return { reason: 'connection closed before a response' };
  }
  return { reason: error.message };
}

/** URL.hostname keeps the brackets of an IPv6 literal; sockets want it bare. */
function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** The SNI name for a Host value, or none for an address (RFC 6066 forbids those). */
function serverName(host: string): string | undefined {
  const name = host.startsWith('[') ? host : host.replace(/:\d+$/, '');
  if (name === '' || isIP(bare(name)) !== 0) return undefined;
  return name;
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function withoutHeader(
  headers: Readonly<Record<string, string>>,
  name: string,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([candidate]) => candidate.toLowerCase() !== name),
  );
}
