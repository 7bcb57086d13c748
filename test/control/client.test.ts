import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlClientError, request } from '../../src/control/client.js';
import { tempDir } from './fake-target.js';

async function withServer<T>(
  onConnection: (socket: net.Socket) => void,
  body: (socketPath: string) => Promise<T>,
): Promise<T> {
  const tmp = tempDir('cli');
  const socketPath = path.join(tmp.dir, 'c.sock');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    return await body(socketPath);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    tmp.remove();
  }
}

async function failure(promise: Promise<unknown>): Promise<ControlClientError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ControlClientError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('control client', () => {
  it('reports "not running" with the path and errno when there is no socket', async () => {
    const tmp = tempDir('none');
    try {
      const socketPath = path.join(tmp.dir, 'absent.sock');
      const error = await failure(request(socketPath, { op: 'status' }, { timeoutMs: 1_000 }));
      expect(error.kind).toBe('not-running');
      expect(error.message).toBe(`not running: cannot connect to ${socketPath} (ENOENT)`);
    } finally {
      tmp.remove();
    }
  });

  it('times out when the server accepts and never answers', async () => {
    const error = await withServer(
      () => {},
      (socketPath) => failure(request(socketPath, { op: 'status' }, { timeoutMs: 200 })),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/no answer from .* within 200 ms/);
  });

  it('reports a protocol error when the answer is not a response', async () => {
    const error = await withServer(
      (socket) => socket.end('hello there\n'),
      (socketPath) => failure(request(socketPath, { op: 'status' }, { timeoutMs: 1_000 })),
    );
    expect(error.kind).toBe('protocol');
    expect(error.message).toMatch(/malformed response/);
  });

  it('reports a protocol error when the server hangs up without answering', async () => {
    const error = await withServer(
      (socket) => socket.end(),
      (socketPath) => failure(request(socketPath, { op: 'status' }, { timeoutMs: 1_000 })),
    );
    expect(error.kind).toBe('protocol');
    expect(error.message).toMatch(/closed the connection without an answer/);
  });

  it('sends the request as one JSON line and returns the parsed answer', async () => {
    let received = '';
    const response = await withServer(
      (socket) => {
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          received += chunk;
          if (received.endsWith('\n'))
            socket.write('{"ok":false,"error":"unknown service \'x\'"}\n');
        });
      },
      (socketPath) =>
        request(socketPath, { op: 'enable', service: 'x', by: 'bob' }, { timeoutMs: 1_000 }),
    );
    expect(received).toBe('{"op":"enable","service":"x","by":"bob"}\n');
    expect(response).toEqual({ ok: false, error: "unknown service 'x'" });
  });
});
