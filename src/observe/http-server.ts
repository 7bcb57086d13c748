// The metrics and status listener: GET /metrics, /status (JSON) and / (HTML), hardened against slow and bad clients.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatListenAddress, type ListenAddress } from '../core/listen-address.js';
import type { Logger } from '../core/logger.js';
import type { ProcessStatus } from '../runtime/control.js';
import type { Metrics } from './metrics.js';
import { STATUS_PAGE_CSP, renderStatusPage } from './status-page.js';

export interface ObserveServerOptions {
  /** Parsed where it was configured (`parseListenAddress`). */
  readonly listen: ListenAddress;
  readonly metrics: Metrics;
  readonly status: () => ProcessStatus;
  readonly log: Logger;
  /** Wall clock for the page's "for 3 min" texts; tests pass a fake one. */
  readonly now?: () => number;
  /** Seconds between status page refreshes in the browser. */
  readonly refreshSeconds?: number;
  /** Limits; the defaults suit a scraper and a few browsers on a trusted network. */
  readonly maxConnections?: number;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export interface ObserveServer {
  readonly address: ListenAddress;
  close(): Promise<void>;
}

export class ObserveListenError extends Error {
  override readonly name = 'ObserveListenError';
}

const DEFAULT_MAX_CONNECTIONS = 64;
const DEFAULT_HEADERS_TIMEOUT_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Node checks header and request deadlines on this period; its default (30 s) is too loose. */
const CHECK_INTERVAL_MS = 250;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

type Reply = { status: number; type: string; body: string; headers?: Record<string, string> };

const text = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  type: 'text/plain; charset=utf-8',
  body: `${body}\n`,
  headers,
});

async function route(request: http.IncomingMessage, options: ObserveServerOptions): Promise<Reply> {
  let path: string;
  try {
    path = new URL(request.url ?? '/', 'http://localhost').pathname;
  } catch {
    return text(400, 'Bad request');
  }
  const known = path === '/' || path === '/metrics' || path === '/status';
  if (!known) return text(404, 'Not found: try /, /status or /metrics');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return text(405, 'Method not allowed', { allow: 'GET, HEAD' });
  }
  if (path === '/metrics') {
    return { status: 200, type: options.metrics.contentType, body: await options.metrics.render() };
  }
  const status = options.status();
  if (path === '/status') {
    return {
      status: 200,
      type: 'application/json; charset=utf-8',
      body: `${JSON.stringify(status, null, 2)}\n`,
    };
  }
  const page = renderStatusPage(status, {
    now: (options.now ?? Date.now)(),
    refreshSeconds: options.refreshSeconds,
  });
  return {
    status: 200,
    type: 'text/html; charset=utf-8',
    body: page,
    headers: { 'content-security-policy': STATUS_PAGE_CSP, 'referrer-policy': 'no-referrer' },
  };
}

function handle(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: ObserveServerOptions,
): void {
  // The body of a request is never read: drain it so the connection can be reused.
  request.resume();
  route(request, options)
    .catch((error: unknown): Reply => {
      options.log.warn(
        `status listener: cannot answer ${request.method ?? '?'} ${request.url ?? '?'}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return text(500, 'Internal error');
    })
    .then((reply) => {
      if (response.destroyed) return;
      response.writeHead(reply.status, {
        ...SECURITY_HEADERS,
        ...reply.headers,
        'content-type': reply.type,
        'content-length': Buffer.byteLength(reply.body),
      });
      response.end(reply.body);
    })
    .catch(() => response.destroy());
}

/** Starts listening; rejects with an `ObserveListenError` when the address cannot be bound. */
export async function startObserveServer(options: ObserveServerOptions): Promise<ObserveServer> {
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const server = http.createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(
        options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        headersTimeout,
      ),
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: CHECK_INTERVAL_MS,
      maxHeaderSize: 8 * 1024,
    },
    (request, response) => handle(request, response, options),
  );
  server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  // A connection that stops reading its answer is cut too, not only one that stops sending.
  server.setTimeout((options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) * 2, (socket) =>
    socket.destroy(),
  );

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE' ? 'the address is in use' : (error.code ?? error.message);
      reject(
        new ObserveListenError(
          `cannot listen on ${formatListenAddress(options.listen)} for metrics and status: ${why}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen({ host: options.listen.host, port: options.listen.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => options.log.warn(`status listener: ${error.message}`));

  const bound = server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  options.log.info(
    `metrics on http://${formatListenAddress(address)}/metrics, status on /status and /`,
  );

  let closing: Promise<void> | null = null;
  return {
    address,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
