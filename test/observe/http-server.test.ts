// The metrics and status listener on a real socket: endpoints, promtool's lint, and bad or slow clients.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import {
  ObserveListenError,
  startObserveServer,
  type ObserveServer,
  type ObserveServerOptions,
} from '../../src/observe/http-server.js';
import { Metrics } from '../../src/observe/metrics.js';
import { StatusStore } from '../../src/observe/status-store.js';
import type { ProcessStatus } from '../../src/runtime/control.js';
import { requireTool } from '../support/healthcheck-process.js';
import { waitFor } from '../support/servers.js';
import { bringDown, bringUp } from './events.js';

const servers: ObserveServer[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(extra: Partial<ObserveServerOptions> = {}) {
  const store = new StatusStore({ version: '0.1.0', services: ['web', 'dns'] });
  const metrics = new Metrics({ services: ['web', 'dns'], processMetrics: false });
  const server = await startObserveServer({
    listen: { host: '127.0.0.1', port: 0 },
    metrics,
    status: () => store.snapshot(),
    log: silentLogger,
    ...extra,
  });
  servers.push(server);
  return { server, store, metrics, port: server.address.port };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, path: string, method = 'GET', host = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A raw connection, for requests no HTTP client would send. */
function connect(
  port: number,
): Promise<{ socket: net.Socket; received: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    let data = '';
    let closed = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => data, closed: () => closed }));
    socket.once('error', reject);
  });
}

describe('observe server', () => {
  it('serves the metrics in the text format with the Prometheus content type', async () => {
    const { port, metrics } = await start();
    bringUp(metrics, 'web');
    const answer = await request(port, '/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(answer.body).toContain('bgp_healthcheck_service_state{service="web",state="UP"} 1');
  });

  it('serves /status as JSON in the ProcessStatus shape, with the state after a service went down', async () => {
    const { port, store } = await start();
    bringUp(store, 'web');
    bringDown(store, 'web', 'HTTP 503');
    const answer = await request(port, '/status?pretty');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    const status = JSON.parse(answer.body) as ProcessStatus;
    expect(status.pid).toBe(process.pid);
    expect(status.services.map((s) => [s.name, s.state, s.lastCheck?.reason])).toEqual([
      ['web', 'DOWN', 'HTTP 503'],
      ['dns', 'INIT', undefined],
    ]);
  });

  it('serves the HTML page with a policy that forbids anything from elsewhere', async () => {
    const { port } = await start();
    const answer = await request(port, '/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toContain('data-service="web"');
  });

  it('answers 404 for other paths and 405 for other methods, and HEAD without a body', async () => {
    const { port } = await start();
    expect((await request(port, '/nope')).status).toBe(404);
    const post = await request(port, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await request(port, '/status', 'DELETE')).status).toBe(405);
    const head = await request(port, '/status', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });

  it('answers 500 when the status cannot be read, and keeps serving', async () => {
    let fail = true;
    const store = new StatusStore({ version: 'x', services: ['web'] });
    const { port } = await start({
      status: () => {
        if (fail) throw new Error('boom');
        return store.snapshot();
      },
    });
    expect((await request(port, '/status')).status).toBe(500);
    fail = false;
    expect((await request(port, '/status')).status).toBe(200);
  });

  it('listens on IPv6 loopback when asked', async () => {
    const probe = net.createServer();
    const ipv6 = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(0, '::1', () => probe.close(() => resolve(true)));
    });
    if (!ipv6) {
      console.warn('skipping: no IPv6 loopback on this machine');
      return;
    }
    const { server } = await start({ listen: { host: '::1', port: 0 } });
    expect(server.address.host).toBe('::1');
    expect((await request(server.address.port, '/metrics', 'GET', '::1')).status).toBe(200);
  });

  it('refuses to start on an address in use, saying which', async () => {
    const { port } = await start();
    await expect(start({ listen: { host: '127.0.0.1', port } })).rejects.toThrow(
      ObserveListenError,
    );
    await expect(start({ listen: { host: '127.0.0.1', port } })).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port} for metrics and status: the address is in use`,
    );
  });

  it('answers garbage with 400 and goes on serving other clients', async () => {
    const { port } = await start();
    const junk = [
      'GARBAGE\r\n\r\n',
      'GET /metrics HTTP/9.9\r\n\r\n',
      '\u0000\u0001\u0002\u00ff\r\n\r\n',
      `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'GET /metrics HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
    ];
    for (const text of junk) {
      const raw = await connect(port);
      raw.socket.write(text);
      expect(await waitFor(raw.closed)).toBe(true);
      expect(raw.received()).toMatch(/^HTTP\/1\.1 (400|431|505)/);
    }
    expect((await request(port, '/metrics')).status).toBe(200);
  });

  it('serves another client while a slow one has sent half a request, then cuts the slow one', async () => {
    const { port } = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    const slow = await connect(port);
    slow.socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const answer = await request(port, '/status');
    expect(answer.status).toBe(200);
    expect(slow.closed()).toBe(false);
    expect(await waitFor(slow.closed, { timeoutMs: 5000 })).toBe(true);
    expect(slow.received()).not.toContain('bgp_healthcheck');
  });

  it('bounds its connections, and serves again once idle clients are cut', async () => {
    const { port } = await start({
      maxConnections: 2,
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
    });
    const holders = [await connect(port), await connect(port)];
    for (const h of holders) h.socket.write('GET / HTTP/1.1\r\n');
    const extra = await connect(port);
    expect(await waitFor(extra.closed)).toBe(true);
    expect(extra.received()).toBe('');
    expect(await waitFor(() => holders.every((h) => h.closed()), { timeoutMs: 5000 })).toBe(true);
    expect((await request(port, '/metrics')).status).toBe(200);
  });
});

describe('metrics endpoint under promtool', () => {
  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  const available = promtool.error === undefined && promtool.status === 0;

  it('passes `promtool check metrics` with process metrics and after real state changes', async (context) => {
    if (!requireTool(available, 'promtool (Debian package prometheus)')) return context.skip();
    const store = new StatusStore({ version: '0.1.0', services: ['web', 'dns "quoted"'] });
    const metrics = new Metrics({ services: ['web', 'dns "quoted"'] });
    const server = await startObserveServer({
      listen: { host: '127.0.0.1', port: 0 },
      metrics,
      status: () => store.snapshot(),
      log: silentLogger,
    });
    servers.push(server);
    expect(server.address.host).toBe('127.0.0.1');
    bringUp(metrics, 'web');
    bringDown(metrics, 'web', 'HTTP 503', true);
    metrics.ackObserved('done');
    metrics.ackObserved('timeout');
    const { body } = await request(server.address.port, '/metrics');
    expect(body).toContain('bgp_healthcheck_service_state{service="web",state="DOWN"} 1');
    expect(body).toContain('bgp_healthcheck_service_announced{service="web"} 0');
    expect(body).toContain('process_resident_memory_bytes');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });
});
