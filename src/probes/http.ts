// The http/https probe: one request, on a fresh connection or a kept one, judged by status and body.
import { isIP } from 'node:net';
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
import { HttpConnection, requestBytes, type Endpoint, type Request } from './http-client.js';

/** Redirects followed at most, when `followRedirects` is on. */
export const MAX_REDIRECTS = 5;
export const DEFAULT_EXPECT_STATUS: readonly (readonly [number, number])[] = [[200, 299]];
const USER_AGENT = 'bgp-healthcheck';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Healthy when the final response's status is in `expectStatus` (default 200-299) and its body, of
 * which at most 64 KiB is read, satisfies `bodyContains`/`bodyMatches`. A fresh connection per check
 * unless `keepAlive`: then one connection per origin is kept between checks.
 */
export function httpProbe(spec: HttpCheck, timeoutMs: number): Probe {
  const prepared = prepare(spec);
  const kept = spec.keepAlive ? new Map<string, HttpConnection>() : undefined;
  return (signal) =>
    withDeadline(signal, timeoutMs, async (inner) =>
      'failed' in prepared ? prepared.failed : run(spec, prepared, kept, inner),
    );
}

/** Origins whose connection a probe keeps at most: a redirect chain's, not every place it led. */
const KEPT_ORIGINS = MAX_REDIRECTS + 1;

/** The kept connection to an endpoint, or a new one; a fresh one per request when none are kept. */
function connectionTo(
  endpoint: Endpoint,
  kept: Map<string, HttpConnection> | undefined,
  key = keyOf(endpoint),
): HttpConnection {
  if (kept === undefined) return new HttpConnection(endpoint, false);
  let connection = kept.get(key);
  if (connection === undefined) {
    if (kept.size >= KEPT_ORIGINS) {
      const [oldest, old] = kept.entries().next().value as [string, HttpConnection];
      old.close();
      kept.delete(oldest);
    }
    connection = new HttpConnection(endpoint, true);
    kept.set(key, connection);
  }
  return connection;
}

function keyOf(endpoint: Endpoint): string {
  return `${endpoint.secure}|${endpoint.host}|${endpoint.port}|${endpoint.servername}`;
}

interface Prepared {
  readonly url: URL;
  readonly pattern: RegExp | undefined;
  readonly accepted: (status: number) => boolean;
  readonly follows: (status: number) => boolean;
  /** The first request, its endpoint and that endpoint's key, made once: a check repeats them. */
  readonly request: Request;
  readonly endpoint: Endpoint;
  readonly key: string;
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
  const method = spec.method.toUpperCase();
  let bytes: Buffer;
  try {
    bytes = requestBytes(method, url, spec.headers, spec.keepAlive, USER_AGENT);
  } catch (error) {
    return { failed: { ok: false, reason: errorMessage(error) } };
  }
  const needBody = spec.bodyContains !== undefined || pattern !== undefined;
  const accepted = (status: number): boolean =>
    ranges.some(([low, high]) => status >= low && status <= high);
  const follows = (status: number): boolean => spec.followRedirects && REDIRECTS.has(status);
  const wantBody = (status: number): boolean => needBody && !follows(status) && accepted(status);
  const endpoint = endpointOf(url, spec.headers, spec.tlsVerify);
  const request = { bytes, head: method === 'HEAD', wantBody };
  return { url, pattern, accepted, follows, request, endpoint, key: keyOf(endpoint) };
}

async function run(
  spec: HttpCheck,
  prepared: Prepared,
  kept: Map<string, HttpConnection> | undefined,
  signal: Cancellation,
): Promise<Outcome> {
  const { accepted, follows } = prepared;
  let url = prepared.url;
  let method = spec.method.toUpperCase();
  let headers: Readonly<Record<string, string>> = spec.headers;
  let request = prepared.request;

  for (let hop = 0; ; hop++) {
    const connection =
      hop === 0
        ? connectionTo(prepared.endpoint, kept, prepared.key)
        : connectionTo(endpointOf(url, headers, spec.tlsVerify), kept);
    const exchange = await connection.send(request, signal);
    if (!kept) connection.close();
    if (!exchange.ok) {
      const { reason, detail } = exchange;
      return detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };
    }
    const answer = exchange.response;
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
      request = {
        bytes: requestBytes(method, url, headers, kept !== undefined, USER_AGENT),
        head: method === 'HEAD',
        wantBody: request.wantBody,
      };
      continue;
    }
    if (!accepted(answer.status)) {
      const where = answer.location === undefined ? {} : { detail: `Location: ${answer.location}` };
      return { ok: false, reason: `HTTP ${answer.status}`, ...where };
    }
    return judgeBody(spec, prepared.pattern, answer.body, answer.cut, answer.status);
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

function endpointOf(
  url: URL,
  headers: Readonly<Record<string, string>>,
  tlsVerify: boolean,
): Endpoint {
  const secure = url.protocol === 'https:';
  return {
    host: bare(url.hostname),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    secure,
    servername: secure ? serverName(headerValue(headers, 'host') ?? url.hostname) : undefined,
    tlsVerify,
  };
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
