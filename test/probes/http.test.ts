// The http/https probe against real servers on 127.0.0.1.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/core/probe.js';
import type { HttpCheck } from '../../src/core/service.js';
import { httpProbe, MAX_REDIRECTS } from '../../src/probes/http.js';
import {
  closedPort,
  selfSignedCertificate,
  startHttpServer,
  startHttpsServer,
  startTcpServer,
  waitFor,
  type Running,
} from '../support/servers.js';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function serve(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const server = await startHttpServer(handler);
  running.push(server);
  return server.origin;
}

function check(url: string, extra: Partial<HttpCheck> = {}): HttpCheck {
  return {
    kind: 'http',
    url,
    method: 'GET',
    headers: {},
    expectStatus: [],
    tlsVerify: true,
    followRedirects: false,
    keepAlive: false,
    ...extra,
  };
}

function probe(spec: HttpCheck, timeoutMs = 5000): Promise<ProbeResult> {
  return httpProbe(spec, timeoutMs)(new AbortController().signal);
}

function reasonOf(result: ProbeResult): string | undefined {
  return result.ok ? undefined : result.reason;
}

describe('http probe: status', () => {
  it('passes on a 200 answer and measures the latency', async () => {
    const origin = await serve((_request, response) => response.end('hello'));
    const result = await probe(check(`${origin}/health`));
    expect(result).toMatchObject({ ok: true, detail: 'HTTP 200' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('fails with "HTTP 503" when the status is outside 200-299', async () => {
    const origin = await serve((_request, response) => {
      response.statusCode = 503;
      response.end('down');
    });
    expect(reasonOf(await probe(check(origin)))).toBe('HTTP 503');
  });

  it('judges the status by the configured ranges instead of the default', async () => {
    const origin = await serve((request, response) => {
      response.statusCode = request.url === '/teapot' ? 418 : 200;
      response.end();
    });
    const teapotOnly = { expectStatus: [[418, 418] as const, [500, 599] as const] };
    expect((await probe(check(`${origin}/teapot`, teapotOnly))).ok).toBe(true);
    expect(reasonOf(await probe(check(`${origin}/`, teapotOnly)))).toBe('HTTP 200');
  });
});

describe('http probe: request', () => {
  it('sends the method, path, query and headers, including the Host header it was given', async () => {
    const seen: { method?: string; url?: string; host?: string; token?: string }[] = [];
    const origin = await serve((request, response) => {
      seen.push({
        method: request.method,
        url: request.url,
        host: request.headers.host,
        token: request.headers['x-token'] as string | undefined,
      });
      response.end();
    });
    const result = await probe(
      check(`${origin}/status?verbose=1`, {
        method: 'head',
        headers: { Host: 'www.example.test', 'X-Token': 'secret' },
      }),
    );
    expect(result.ok).toBe(true);
    expect(seen).toEqual([
      { method: 'HEAD', url: '/status?verbose=1', host: 'www.example.test', token: 'secret' },
    ]);
  });

  it('names itself in the User-Agent header', async () => {
    const agents: (string | undefined)[] = [];
    const origin = await serve((request, response) => {
      agents.push(request.headers['user-agent']);
      response.end();
    });
    expect((await probe(check(origin))).ok).toBe(true);
    expect(agents).toEqual(['bgp-healthcheck']);
  });

  it('reaches an IPv6 literal address', async () => {
    const server = createServer((_request, response) => response.end('six'));
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await probe(check(`http://[::1]:${port}/`, { bodyContains: 'six' }));
      expect(result).toMatchObject({ ok: true, detail: 'HTTP 200' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('asks every request of a redirect chain to keep or close the connection as configured', async () => {
    const seen: (string | undefined)[] = [];
    const origin = await serve((request, response) => {
      seen.push(request.headers.connection);
      if (request.url === '/start') response.writeHead(302, { location: '/end' });
      response.end();
    });
    for (const keepAlive of [true, false]) {
      const spec = check(`${origin}/start`, { keepAlive, followRedirects: true });
      expect((await probe(spec)).ok).toBe(true);
    }
    expect(seen).toEqual(['keep-alive', 'keep-alive', 'close', 'close']);
  });

  it('opens a fresh connection for every check and closes it afterwards', async () => {
    const server = await startHttpServer((_request, response) => response.end('ok'));
    running.push(server);
    const spec = check(server.origin);
    await probe(spec);
    await probe(spec);
    expect(server.accepted()).toBe(2);
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('keeps one connection between checks with keepAlive, reading each body to its end', async () => {
    const server = await startHttpServer((request, response) =>
      response.end(request.method === 'HEAD' ? undefined : 'x'.repeat(10_000)),
    );
    running.push(server);
    const healthy = httpProbe(check(server.origin, { keepAlive: true }), 5000);
    // Listeners piling up on the kept socket would trip Node's leak warning after ten checks.
    const warnings: string[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 20; i++) {
        expect((await healthy(new AbortController().signal)).ok).toBe(true);
      }
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
    expect(server.accepted()).toBe(1);
    expect(server.open()).toBe(1);
  });

  it('retries once on a fresh connection when the server closed the kept one', async () => {
    // Answers the first request of each connection and hangs up on the second, as a server does
    // that closed an idle connection just as the client sent on it.
    const server = await startTcpServer((socket) => {
      let requests = 0;
      socket.on('data', (chunk) => {
        if (!chunk.includes('\r\n\r\n')) return;
        requests++;
        if (requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      });
    });
    running.push(server);
    const kept = httpProbe(check(`http://127.0.0.1:${server.port}/`, { keepAlive: true }), 5000);
    expect((await kept(new AbortController().signal)).ok).toBe(true);
    expect(await kept(new AbortController().signal)).toMatchObject({ ok: true });
    expect(server.accepted()).toBe(2);
  });

  it('does not keep a connection whose body it stopped reading', async () => {
    const server = await startHttpServer((_request, response) => endless(response, 'x'));
    running.push(server);
    const kept = httpProbe(check(server.origin, { keepAlive: true }), 5000);
    expect((await kept(new AbortController().signal)).ok).toBe(true);
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('refuses, without contacting anything, a header that would split the request', async () => {
    const server = await startTcpServer((socket) => socket.destroy());
    running.push(server);
    const spec = check(`http://127.0.0.1:${server.port}/`, { headers: { 'X-A': 'a\r\nB: c' } });
    expect(await probe(spec)).toMatchObject({ ok: false, reason: "invalid header 'X-A'" });
    expect(server.accepted()).toBe(0);
  });

  it('fails without contacting anything when the URL scheme is not http or https', async () => {
    expect(reasonOf(await probe(check('ftp://127.0.0.1/file')))).toBe(
      "unsupported URL scheme 'ftp:'",
    );
    expect(reasonOf(await probe(check('not a url')))).toBe("invalid URL 'not a url'");
  });
});

describe('http probe: body', () => {
  it('passes when the body contains the expected text and fails naming it otherwise', async () => {
    const origin = await serve((request, response) =>
      response.end(request.url === '/good' ? 'status: ok' : 'status: degraded'),
    );
    expect((await probe(check(`${origin}/good`, { bodyContains: 'ok' }))).ok).toBe(true);
    const failed = await probe(check(`${origin}/bad`, { bodyContains: 'ok' }));
    expect(failed).toMatchObject({
      ok: false,
      reason: "body does not contain 'ok'",
      detail: 'body: "status: degraded"',
    });
  });

  it('passes when the body matches the expected pattern and fails naming it otherwise', async () => {
    const origin = await serve((request, response) =>
      response.end(request.url === '/good' ? 'ready\n' : 'starting\n'),
    );
    const spec = { bodyMatches: '^ready$' };
    const good = await probe(check(`${origin}/good`, { bodyMatches: '^ready\\s*$' }));
    expect(good.ok).toBe(true);
    expect(reasonOf(await probe(check(`${origin}/bad`, spec)))).toBe(
      'body does not match /^ready$/',
    );
  });

  it('fails with a clear reason when the body pattern is not a valid regular expression', async () => {
    const origin = await serve((_request, response) => response.end('x'));
    expect(reasonOf(await probe(check(origin, { bodyMatches: '(' })))).toMatch(
      /^invalid bodyMatches: /,
    );
  });

  it('does not wait for an endless body when no body matching is asked', async () => {
    const server = await startHttpServer((_request, response) => endless(response, 'x'));
    running.push(server);
    expect(await probe(check(server.origin), 2000)).toMatchObject({ ok: true });
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('judges an endless body on its first 64 KiB and then hangs up', async () => {
    const server = await startHttpServer((_request, response) => endless(response, 'x'));
    running.push(server);
    const missing = await probe(check(server.origin, { bodyContains: 'needle' }), 2000);
    expect(missing).toMatchObject({ ok: false, reason: "body does not contain 'needle'" });
    expect(missing.ok ? '' : missing.detail).toContain('first 64 KiB read');
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('passes on an endless body whose beginning holds the expected text', async () => {
    const origin = await serve((_request, response) => {
      response.write('needle');
      endless(response, 'x');
    });
    expect((await probe(check(origin, { bodyContains: 'needle' }), 2000)).ok).toBe(true);
  });

  it('fails when the connection drops in the middle of the body', async () => {
    const origin = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('partial', () => response.socket?.destroy());
    });
    expect(reasonOf(await probe(check(origin, { bodyContains: 'partial' })))).toMatch(
      /while reading the body/,
    );
  });
});

describe('http probe: redirects', () => {
  it('does not follow a redirect unless asked, and says where it pointed', async () => {
    const origin = await serve((_request, response) => {
      response.writeHead(302, { location: '/elsewhere' });
      response.end();
    });
    expect(await probe(check(origin))).toMatchObject({
      ok: false,
      reason: 'HTTP 302',
      detail: 'Location: /elsewhere',
    });
  });

  it('follows relative redirects when asked, with the method browsers use, and judges the final answer', async () => {
    const redirects: Record<string, [number, string]> = {
      '/start': [303, '/middle'],
      '/middle': [307, 'final'],
      '/moved': [301, '/found'],
      '/found': [302, '/final'],
    };
    const seen: string[] = [];
    const origin = await serve((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      const [status, location] = redirects[request.url ?? ''] ?? [200, undefined];
      response.writeHead(status, location === undefined ? {} : { location });
      response.end(request.method === 'HEAD' ? undefined : 'arrived');
    });
    const follow = async (method: string, path: string): Promise<string[]> => {
      seen.length = 0;
      const bodyContains = method === 'HEAD' ? undefined : 'arrived';
      const spec = check(`${origin}${path}`, { method, followRedirects: true, bodyContains });
      expect((await probe(spec)).ok).toBe(true);
      return [...seen];
    };
    // 303 turns any method into GET, 301 and 302 only a POST; 307 keeps the method.
    expect(await follow('POST', '/start')).toEqual(['POST /start', 'GET /middle', 'GET /final']);
    expect(await follow('POST', '/moved')).toEqual(['POST /moved', 'GET /found', 'GET /final']);
    expect(await follow('POST', '/found')).toEqual(['POST /found', 'GET /final']);
    expect(await follow('PUT', '/moved')).toEqual(['PUT /moved', 'PUT /found', 'PUT /final']);
    expect(await follow('HEAD', '/moved')).toEqual(['HEAD /moved', 'HEAD /found', 'HEAD /final']);
  });

  it.each([
    [
      'a scheme other than http or https',
      'ftp://127.0.0.1/file',
      "redirect to unsupported scheme 'ftp:'",
    ],
    ['what is not a URL', 'http://[::1', "invalid redirect to 'http://[::1'"],
  ])('refuses to follow a redirect to %s', async (_title, location, reason) => {
    const origin = await serve((_request, response) => {
      response.writeHead(302, { location });
      response.end();
    });
    expect(reasonOf(await probe(check(origin, { followRedirects: true })))).toBe(reason);
  });

  it('drops the Host header it was given when a redirect leads to another origin', async () => {
    const hosts: (string | undefined)[] = [];
    const target = await serve((request, response) => {
      hosts.push(request.headers.host);
      response.end('there');
    });
    const origin = await serve((request, response) => {
      hosts.push(request.headers.host);
      response.writeHead(request.url === '/away' ? 302 : 307, {
        location: request.url === '/away' ? `${target}/there` : '/away',
      });
      response.end();
    });
    const spec = check(`${origin}/start`, {
      headers: { HOST: 'site.test' },
      followRedirects: true,
      bodyContains: 'there',
    });
    expect((await probe(spec)).ok).toBe(true);
    expect(hosts).toEqual(['site.test', 'site.test', new URL(target).host]);
  });

  it(`keeps connections to at most ${MAX_REDIRECTS + 1} origins, closing the oldest first`, async () => {
    // Each check is sent on to another target; a kept probe must not hold one connection per target.
    const targets = await Promise.all(
      Array.from({ length: 8 }, () => startHttpServer((_request, response) => response.end('ok'))),
    );
    running.push(...targets);
    let next = 0;
    const entry = await startHttpServer((_request, response) => {
      response.writeHead(302, { location: `${targets[next++]!.origin}/` });
      response.end();
    });
    running.push(entry);
    const kept = httpProbe(
      check(`${entry.origin}/`, { keepAlive: true, followRedirects: true }),
      2000,
    );
    for (let i = 0; i < targets.length; i++) {
      expect((await kept(new AbortController().signal)).ok).toBe(true);
    }
    const open = (): number => [entry, ...targets].reduce((sum, server) => sum + server.open(), 0);
    expect(await waitFor(() => open() === MAX_REDIRECTS + 1)).toBe(true);
    // Kept by first use: the entry, the oldest, went first (then came back), then targets 0 to 2.
    expect(await waitFor(() => targets.slice(0, 3).every((server) => server.open() === 0))).toBe(
      true,
    );
    expect([entry, ...targets.slice(3)].every((server) => server.open() === 1)).toBe(true);
  });

  it(`gives up after ${MAX_REDIRECTS} redirects`, async () => {
    let requests = 0;
    const origin = await serve((_request, response) => {
      requests++;
      response.writeHead(301, { location: `/hop${requests}` });
      response.end();
    });
    const result = await probe(check(origin, { followRedirects: true }));
    expect(reasonOf(result)).toBe(`too many redirects (more than ${MAX_REDIRECTS})`);
    expect(requests).toBe(MAX_REDIRECTS + 1);
  });
});

describe('http probe: faults', () => {
  it('fails with "connect ECONNREFUSED" when nothing listens', async () => {
    const port = await closedPort();
    expect(reasonOf(await probe(check(`http://127.0.0.1:${port}/`)))).toBe(
      `connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });

  it('times out on a server that accepts and never answers, and closes the connection', async () => {
    // Reading (and discarding) lets the server notice when the probe hangs up.
    const server = await startTcpServer((socket) => socket.resume());
    running.push(server);
    const result = await probe(check(`http://127.0.0.1:${server.port}/`), 200);
    expect(reasonOf(result)).toBe('timeout after 0.2 s');
    expect(result.latencyMs).toBeGreaterThanOrEqual(190);
    expect(server.accepted()).toBe(1);
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('stops when its signal aborts and closes the connection', async () => {
    // Reading (and discarding) lets the server notice when the probe hangs up.
    const server = await startTcpServer((socket) => socket.resume());
    running.push(server);
    const controller = new AbortController();
    const pending = httpProbe(check(`http://127.0.0.1:${server.port}/`), 0)(controller.signal);
    expect(await waitFor(() => server.accepted() === 1)).toBe(true);
    controller.abort();
    expect(reasonOf(await pending)).toBe('aborted');
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('fails with "invalid HTTP response" on a server that sends garbage', async () => {
    const server = await startTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    running.push(server);
    const result = await probe(check(`http://127.0.0.1:${server.port}/`));
    expect(result).toMatchObject({ ok: false, reason: 'invalid HTTP response' });
  });

  it('fails naming the reset when the server resets the connection', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    running.push(server);
    expect(reasonOf(await probe(check(`http://127.0.0.1:${server.port}/`)))).toBe(
      'read ECONNRESET',
    );
  });

  it('fails when the server closes the connection without answering', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => socket.end());
    });
    running.push(server);
    expect(reasonOf(await probe(check(`http://127.0.0.1:${server.port}/`)))).toBe(
      'connection closed before a response',
    );
  });
});

describe('http probe: hostile servers', () => {
  it('refuses endless headers after 16 KiB and hangs up', async () => {
    const server = await startTcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      // Blocks of headers: the server shares the test's event loop, so it must not write tiny pieces.
      const block = 'X-Pad: yyyyyyyyyyyyyyyyyyyyyyyy\r\n'.repeat(1000);
      const pump = (): void => {
        while (!socket.destroyed && socket.write(block));
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    running.push(server);
    const result = await probe(check(`http://127.0.0.1:${server.port}/`), 5000);
    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid HTTP response',
      detail: 'headers longer than 16 KiB',
    });
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('re-opens a kept connection after any failure on it', async () => {
    // The first connection answers once, then never again; the next one answers.
    let connections = 0;
    const server = await startTcpServer((socket) => {
      const connection = ++connections;
      let requests = 0;
      socket.on('data', (chunk) => {
        if (!chunk.includes('\r\n\r\n')) return;
        requests++;
        if (connection > 1 || requests === 1) {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        }
      });
    });
    running.push(server);
    const kept = httpProbe(check(`http://127.0.0.1:${server.port}/`, { keepAlive: true }), 300);
    const signal = new AbortController().signal;
    expect((await kept(signal)).ok).toBe(true);
    expect(reasonOf(await kept(signal))).toBe('timeout after 0.3 s');
    expect((await kept(signal)).ok).toBe(true);
    expect((await kept(signal)).ok).toBe(true);
    expect(server.accepted()).toBe(2);
    expect(await waitFor(() => server.open() === 1)).toBe(true);
  });

  it('keeps no connection that answered with bytes after the response', async () => {
    const server = await startTcpServer((socket) => {
      socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'));
    });
    running.push(server);
    const kept = httpProbe(check(`http://127.0.0.1:${server.port}/`, { keepAlive: true }), 2000);
    expect((await kept(new AbortController().signal)).ok).toBe(true);
    expect((await kept(new AbortController().signal)).ok).toBe(true);
    expect(server.accepted()).toBe(2);
  });

  it('gives UP or DOWN with a reason for any bytes a server sends, in any pieces', async () => {
    let reply: Buffer[] = [];
    let hangUp = true;
    let mayStayOpen = 0;
    const server = await startTcpServer((socket) => {
      socket.once('data', () => {
        const parts = reply;
        const send = (index: number): void => {
          if (socket.destroyed) return;
          const part = parts[index];
          if (part === undefined) {
            if (hangUp) socket.end();
            return;
          }
          socket.write(part, () => setImmediate(() => send(index + 1)));
        };
        send(0);
      });
    });
    running.push(server);
    const head = fc.constantFrom(
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.0 503 X\r\n\r\n',
      'HTTP/1.1 100 Continue\r\n\r\n',
      '',
    );
    await fc.assert(
      fc.asyncProperty(
        head,
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        async (start, rest, cuts, end, keepAlive) => {
          const bytes = Buffer.concat([Buffer.from(start, 'latin1'), rest]);
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          reply = [0, ...points].map((from, i) => bytes.subarray(from, points[i] ?? bytes.length));
          hangUp = end;
          const result = await probe(
            check(`http://127.0.0.1:${server.port}/`, { keepAlive, bodyContains: 'a' }),
            150,
          );
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.reason).toMatch(/\S/);
          // Only a kept connection that carried a whole response may stay open: a passed check,
          // or one failed on the body it read to the end (its connection is still good).
          if (keepAlive && (result.ok || result.reason.startsWith('body does not'))) mayStayOpen++;
          expect(await waitFor(() => server.open() <= mayStayOpen)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
    // Up to 30 replies that never end, each waited for 150 ms.
  }, 20_000);
});

describe('https probe', () => {
  const certificate = selfSignedCertificate();
  const missing = 'missing' in certificate ? certificate.missing : undefined;
  if (missing !== undefined) {
    if (process.env.REQUIRE_E2E === '1') throw new Error(missing);
    console.warn(`skipping https probe tests: ${missing}`);
  }
  const withTls = missing === undefined ? it : it.skip;

  async function serveTls(): Promise<Awaited<ReturnType<typeof startHttpsServer>>> {
    if ('missing' in certificate) throw new Error(certificate.missing);
    const server = await startHttpsServer(certificate, (_request, response) => response.end('ok'));
    running.push(server);
    return server;
  }

  withTls('refuses a self-signed certificate while verification is on', async () => {
    const server = await serveTls();
    expect(reasonOf(await probe(check(server.origin)))).toBe('TLS: self-signed certificate');
  });

  withTls('passes against a self-signed certificate with tlsVerify off', async () => {
    const server = await serveTls();
    expect(
      await probe(check(server.origin, { tlsVerify: false, bodyContains: 'ok' })),
    ).toMatchObject({ ok: true });
  });

  withTls('sends the Host header name as SNI, and none for an address', async () => {
    const server = await serveTls();
    const viaHost = check(server.origin, { tlsVerify: false, headers: { host: 'probe.test:443' } });
    expect((await probe(viaHost)).ok).toBe(true);
    expect((await probe(check(server.origin, { tlsVerify: false }))).ok).toBe(true);
    expect(server.serverNames).toEqual(['probe.test', false]);
  });
});

/** Writes `chunk` for as long as the client reads. */
function endless(response: ServerResponse, chunk: string): void {
  const block = chunk.repeat(4096);
  const pump = (): void => {
    while (!response.destroyed && response.write(block));
    if (!response.destroyed) response.once('drain', pump);
  };
  response.on('error', () => undefined);
  pump();
}
