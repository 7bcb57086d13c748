// The tcp probe against real servers on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/core/probe.js';
import type { TcpCheck } from '../../src/core/service.js';
import { tcpProbe } from '../../src/probes/tcp.js';
import { closedPort, startTcpServer, waitFor, type Running } from '../support/servers.js';

const running: Running[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function serve(onConnection: Parameters<typeof startTcpServer>[0]): Promise<Running> {
  const server = await startTcpServer(onConnection);
  running.push(server);
  return server;
}

function check(port: number, extra: Partial<TcpCheck> = {}): TcpCheck {
  return { kind: 'tcp', host: '127.0.0.1', port, ...extra };
}

function probe(spec: TcpCheck, timeoutMs = 5000): Promise<ProbeResult> {
  return tcpProbe(spec, timeoutMs)(new AbortController().signal);
}

function reasonOf(result: ProbeResult): string | undefined {
  return result.ok ? undefined : result.reason;
}

describe('tcp probe', () => {
  it('passes when the connection opens, then hangs up', async () => {
    const server = await serve((socket) => socket.resume());
    expect((await probe(check(server.port))).ok).toBe(true);
    expect(server.accepted()).toBe(1);
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('fails with "connect ECONNREFUSED" when nothing listens', async () => {
    const port = await closedPort();
    expect(reasonOf(await probe(check(port)))).toBe(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('sends its text and passes when the answer contains the expected text', async () => {
    const received: string[] = [];
    const server = await serve((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk.toString());
        socket.write('+PONG\r\n');
      });
    });
    const result = await probe(check(server.port, { send: 'PING\r\n', expect: 'PONG' }));
    expect(result.ok).toBe(true);
    expect(received.join('')).toBe('PING\r\n');
  });

  it('finds the expected text when it arrives split over several writes', async () => {
    const server = await serve((socket) => {
      socket.write('+PO', () => setImmediate(() => socket.write('NG\r\n')));
      socket.resume();
    });
    expect((await probe(check(server.port, { expect: 'PONG' }))).ok).toBe(true);
  });

  it('passes once the text it sends is flushed when nothing is expected', async () => {
    const received: string[] = [];
    const server = await serve((socket) =>
      socket.on('data', (chunk: Buffer) => received.push(chunk.toString())),
    );
    expect((await probe(check(server.port, { send: 'hello\n' }))).ok).toBe(true);
    expect(await waitFor(() => received.join('') === 'hello\n')).toBe(true);
  });

  it('fails showing what came back when the peer closes before the expected text', async () => {
    const server = await serve((socket) => socket.end('-ERR unknown command\r\n'));
    const result = await probe(check(server.port, { send: 'PING\r\n', expect: 'PONG' }));
    expect(result).toMatchObject({
      ok: false,
      reason: "connection closed before 'PONG' was received",
      detail: 'received: "-ERR unknown command\\r\\n"',
    });
  });

  it('times out on a peer that never answers, and closes the connection', async () => {
    const server = await serve((socket) => socket.resume());
    const result = await probe(check(server.port, { send: 'PING\r\n', expect: 'PONG' }), 200);
    expect(reasonOf(result)).toBe('timeout after 0.2 s');
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('stops reading an endless answer after 64 KiB', async () => {
    const server = await serve((socket) => {
      const block = Buffer.alloc(16 * 1024, 'x');
      const pump = (): void => {
        while (!socket.destroyed && socket.write(block));
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    const result = await probe(check(server.port, { expect: 'PONG' }), 2000);
    expect(reasonOf(result)).toBe("'PONG' not in the first 64 KiB received");
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('does not look past 64 KiB for the expected text, even within one chunk', async () => {
    // 'READY' begins 2 bytes before the limit: only 'RE' of it is within the first 64 KiB. The pause
    // lets the first 100 bytes be read alone, so that the rest comes in one chunk across the limit
    // (the verdict is the same however the bytes are read).
    const server = await serve((socket) => {
      socket.write('a'.repeat(100), () =>
        setTimeout(() => socket.write(`${'x'.repeat(64 * 1024 - 102)}READY`), 50),
      );
    });
    const result = await probe(check(server.port, { expect: 'READY' }), 2000);
    expect(reasonOf(result)).toBe("'READY' not in the first 64 KiB received");
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });

  it('fails naming the reset when the peer resets the connection', async () => {
    const server = await serve((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const result = await probe(check(server.port, { send: 'PING\r\n', expect: 'PONG' }));
    expect(reasonOf(result)).toBe('read ECONNRESET');
    // Nothing came back, so there is nothing to show.
    expect(result).not.toHaveProperty('detail');
  });

  it('shows what came back before the peer reset the connection', async () => {
    const server = await serve((socket) => {
      socket.write('-ERR busy\r\n');
      socket.once('data', () => socket.resetAndDestroy());
    });
    const result = await probe(check(server.port, { send: 'PING\r\n', expect: 'PONG' }));
    expect(result).toMatchObject({
      ok: false,
      reason: 'read ECONNRESET',
      detail: 'received: "-ERR busy\\r\\n"',
    });
  });

  it('stops when its signal aborts and closes the connection', async () => {
    const server = await serve((socket) => socket.resume());
    const controller = new AbortController();
    const pending = tcpProbe(check(server.port, { expect: 'PONG' }), 0)(controller.signal);
    expect(await waitFor(() => server.accepted() === 1)).toBe(true);
    controller.abort();
    expect(reasonOf(await pending)).toBe('aborted');
    expect(await waitFor(() => server.open() === 0)).toBe(true);
  });
});
