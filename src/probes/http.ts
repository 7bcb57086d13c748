// The http/https probe: one request on a fresh connection, judged by status code and optionally body.
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Probe } from '../core/probe.js';
import type { HttpCheck } from '../core/service.js';
import { READ_LIMIT, errorMessage, quoteSample, withDeadline, type Outcome } from './deadline.js';

/** Redirects followed at most, when `followRedirects` is on. */
export const MAX_REDIRECTS = 5;
export const DEFAULT_EXPECT_STATUS: readonly (readonly [number, number])[] = [[200, 299]];
const USER_AGENT = 'bgp-healthcheck';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Exchange =
  | { readonly failed: Outcome }
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
 * (`agent: false`) so the configured Host header and SNI name are the ones sent.
 */
export function httpProbe(spec: HttpCheck, timeoutMs: number): Probe {
  const prepared = prepare(spec);
  return (signal) =>
    withDeadline(signal, timeoutMs, async (inner) =>
      'failed' in prepared ? prepared.failed : run(spec, prepared, inner),
    );
}

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

async function run(spec: HttpCheck, prepared: Prepared, signal: AbortSignal): Promise<Outcome> {
  const needBody = spec.bodyContains !== undefined || prepared.pattern !== undefined;
  const accepted = (status: number): boolean =>
    prepared.ranges.some(([low, high]) => status >= low && status <= high);
  const follows = (status: number): boolean => spec.followRedirects && REDIRECTS.has(status);
  let url = prepared.url;
  let method = spec.method.toUpperCase();
  let headers: Record<string, string> = { ...spec.headers };

  for (let hop = 0; ; hop++) {
    const answer = await exchange(
      url,
      method,
      headers,
      spec.tlsVerify,
      signal,
      (status) => needBody && !follows(status) && accepted(status),
    );
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

function exchange(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  tlsVerify: boolean,
  signal: AbortSignal,
  wantBody: (status: number) => boolean,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const secure = url.protocol === 'https:';
    const options: https.RequestOptions = {
      method,
      host: bare(url.hostname),
      port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers: { 'user-agent': USER_AGENT, ...headers, connection: 'close' },
      agent: false,
    };
    if (secure) {
      options.rejectUnauthorized = tlsVerify;
      const sni = serverName(headerValue(headers, 'host') ?? url.hostname);
      if (sni !== undefined) options.servername = sni;
    }
    let stage: Stage = 'connect';
    let settled = false;
    const request = (secure ? https : http).request(options);
    const finish = (result: Exchange): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      resolve(result);
    };
    const fail = (reason: string, detail?: string): void =>
      finish({
        failed: detail === undefined ? { ok: false, reason } : { ok: false, reason, detail },
      });
    const onAbort = (): void => fail('aborted');
    signal.addEventListener('abort', onAbort, { once: true });

    request.on('socket', (socket) => {
      socket.once('connect', () => {
        if (stage === 'connect') stage = secure ? 'tls' : 'http';
      });
      socket.once('secureConnect', () => {
        stage = 'http';
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const failure = describeError(error, stage);
      fail(failure.reason, failure.detail);
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (!wantBody(status)) {
        finish({ status, location });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        const room = READ_LIMIT - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        // Enough to judge: an endless body is not waited for.
        if (size >= READ_LIMIT)
          finish({ status, location, body: Buffer.concat(chunks), cut: true });
      });
      response.on('end', () => finish({ status, location, body: Buffer.concat(chunks) }));
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

function describeError(
  error: NodeJS.ErrnoException,
  stage: Stage,
): { reason: string; detail?: string } {
  const code = error.code ?? '';
  if (code.startsWith('HPE_')) {
    return { reason: 'invalid HTTP response', detail: error.message };
  }
  if (stage === 'tls') return { reason: `TLS: ${error.message}` };
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
