// Open files after many checks of every kind: a check that passes, fails, hangs past its timeout or
// floods its output gives back every descriptor it took (its child's pipes, its connection).
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Probe } from '../../src/core/probe.js';
import type { HttpCheck } from '../../src/core/service.js';
import { commandProbe } from '../../src/probes/command.js';
import { httpProbe } from '../../src/probes/http.js';
import { tcpProbe } from '../../src/probes/tcp.js';
import {
  closedPort,
  startHttpServer,
  startTcpServer,
  waitFor,
  type HttpRunning,
  type Running,
} from '../support/servers.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** Runs each probe `rounds` times, `concurrency` at once, as a service's checks overlap. */
async function runMany(probes: readonly Probe[], rounds: number, concurrency = 8): Promise<void> {
  const work = probes.flatMap((probe) => Array.from({ length: rounds }, () => probe));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < work.length) await work[next++]!(new AbortController().signal);
    }),
  );
}

/** Runs the probes, then waits (bounded) for the count to come back; returns before and after. */
async function fdsAround(probes: readonly Probe[], rounds: number): Promise<[number, number]> {
  // One round first, so whatever is made once per process (an agent, a lazy module) is made.
  await runMany(probes, 1);
  const before = openFds();
  await runMany(probes, rounds);
  await waitFor(() => openFds() <= before, { timeoutMs: 5000 });
  return [before, openFds()];
}

function http(url: string, keepAlive = false): HttpCheck {
  return {
    kind: 'http',
    url,
    method: 'GET',
    headers: {},
    expectStatus: [[200, 299]],
    tlsVerify: true,
    followRedirects: false,
    keepAlive,
  };
}

describe.skipIf(process.platform !== 'linux')('descriptors after many checks', () => {
  let web: HttpRunning;
  let tcp: Running;
  let closed: number;
  beforeAll(async () => {
    web = await startHttpServer((request, response) => {
      if (request.url === '/stall') return; // keeps the request, never answers
      response.writeHead(request.url === '/down' ? 503 : 200).end('x');
    });
    // A tcp target as the soak's: it closes every connection at once.
    tcp = await startTcpServer((socket) => socket.end());
    closed = await closedPort();
  });
  afterAll(async () => {
    await web.close();
    await tcp.close();
  });

  it('command checks that pass, fail, time out, flood or leave a child behind give back every descriptor', async () => {
    const [before, after] = await fdsAround(
      [
        commandProbe('exit 0', 2000),
        commandProbe('exit 1', 2000),
        commandProbe('sleep 5', 50),
        commandProbe('head -c 1048576 /dev/zero', 2000),
        commandProbe('sleep 5 & exit 0', 2000),
      ],
      20,
    );
    expect(after).toBeLessThanOrEqual(before);
  });

  it('http checks that pass, fail, stall past their timeout or keep their connection give back every descriptor', async () => {
    const [before, after] = await fdsAround(
      [
        httpProbe(http(`${web.origin}/ok`), 2000),
        httpProbe(http(`${web.origin}/down`), 2000),
        httpProbe(http(`${web.origin}/stall`), 50),
        httpProbe(http(`http://127.0.0.1:${closed}/`), 2000),
      ],
      20,
    );
    expect(after).toBeLessThanOrEqual(before);
    // A kept connection is one per probe, however many checks it served.
    const kept = httpProbe(http(`${web.origin}/ok`, true), 2000);
    const [keptBefore, keptAfter] = await fdsAround([kept], 50);
    expect(keptAfter).toBeLessThanOrEqual(keptBefore);
  });

  it('tcp checks to a target that closes at once or to a closed port give back every descriptor', async () => {
    const check = (port: number) => tcpProbe({ kind: 'tcp', host: '127.0.0.1', port }, 2000);
    const [before, after] = await fdsAround([check(tcp.port), check(closed)], 50);
    expect(after).toBeLessThanOrEqual(before);
  });
});
