import { spawn } from 'node:child_process';
import { existsSync, lstatSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from '../../src/control/client.js';
import {
  ControlServerError,
  defaultControlPath,
  startControlServer,
  type ControlServer,
} from '../../src/control/server.js';
import { silentLogger } from '../../src/core/logger.js';
import { FakeTarget, serviceStatus, tempDir, waitFor } from './fake-target.js';

/** A raw client: sends `text` as is, collects response lines until `count` arrived or the server hangs up. */
function raw(
  socketPath: string,
  text: string,
  count: number,
): Promise<{ lines: string[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let data = '';
    const lines = (): string[] => data.split('\n').filter((l) => l !== '');
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (lines().length >= count) {
        socket.destroy();
        resolve({ lines: lines(), closed: false });
      }
    });
    socket.on('close', () => resolve({ lines: lines(), closed: true }));
    socket.on('error', reject);
  });
}

describe('control server', () => {
  let tmp: ReturnType<typeof tempDir>;
  let socketPath: string;
  let target: FakeTarget;
  let server: ControlServer | null;

  beforeEach(async () => {
    tmp = tempDir('srv');
    socketPath = path.join(tmp.dir, 'test.sock');
    target = new FakeTarget();
    server = await startControlServer({
      path: socketPath,
      target,
      log: silentLogger,
      idleTimeoutMs: 300,
    });
  });

  afterEach(async () => {
    await server?.close();
    tmp.remove();
  });

  it('answers status with the target status', async () => {
    const response = await request(socketPath, { op: 'status' }, { timeoutMs: 2_000 });
    expect(response).toMatchObject({
      ok: true,
      value: { pid: 4242, services: [{ name: 'web' }, { name: 'dns' }] },
    });
  });

  it('passes disable with its reason and requester to the target', async () => {
    const response = await request(
      socketPath,
      { op: 'disable', service: 'web', reason: 'kernel upgrade', by: 'alice' },
      { timeoutMs: 2_000 },
    );
    expect(response).toEqual({ ok: true, value: null });
    expect(target.calls).toContain('disable web kernel upgrade alice');
  });

  it('answers each of enable, drain, check and reload', async () => {
    expect(
      await request(socketPath, { op: 'enable', service: 'web' }, { timeoutMs: 2_000 }),
    ).toMatchObject({ ok: true });
    expect(
      await request(socketPath, { op: 'drain', service: 'dns' }, { timeoutMs: 2_000 }),
    ).toMatchObject({ ok: true });
    expect(
      await request(socketPath, { op: 'check', service: 'web' }, { timeoutMs: 2_000 }),
    ).toMatchObject({
      ok: true,
      value: { ok: false, reason: 'http: HTTP 503' },
    });
    expect(await request(socketPath, { op: 'reload' }, { timeoutMs: 2_000 })).toEqual({
      ok: true,
      value: { summary: '1 added, 0 removed, 1 changed' },
    });
    expect(target.calls).toEqual(['enable web', 'drain dns', 'check web', 'reload']);
  });

  it('relays the target error for an unknown service', async () => {
    const response = await request(
      socketPath,
      { op: 'enable', service: 'x' },
      { timeoutMs: 2_000 },
    );
    expect(response).toEqual({ ok: false, error: "unknown service 'x' (known: web, dns)" });
  });

  it('answers malformed JSON and an unknown op with errors and changes nothing', async () => {
    const { lines } = await raw(socketPath, '{"op":\n{"op":"shutdown"}\n', 2);
    const errors = lines.map((l) => (JSON.parse(l) as { ok: boolean; error?: string }).error);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^malformed request/);
    expect(errors[1]).toMatch(/op must be one of/);
    expect(target.calls).toEqual([]);
  });

  it('refuses an oversized request, hangs up, and changes nothing', async () => {
    const huge = `{"op":"disable","service":"web","reason":"${'x'.repeat(100_000)}"}\n`;
    const { lines, closed } = await raw(socketPath, huge, 2);
    expect(closed).toBe(true);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({
      ok: false,
      error: 'request too large (over 65536 bytes)',
    });
    expect(target.calls).toEqual([]);
  });

  it('answers several requests on one connection in order', async () => {
    const { lines } = await raw(
      socketPath,
      '{"op":"status"}\n{"op":"enable","service":"web"}\n{"op":"reload"}\n',
      3,
    );
    expect(lines.map((l) => (JSON.parse(l) as { ok: boolean }).ok)).toEqual([true, true, true]);
    expect(target.calls).toEqual(['status', 'enable web', 'reload']);
  });

  it('turns an exception in the target into an error response', async () => {
    target.reload = () => Promise.reject(new Error('config file vanished'));
    const response = await request(socketPath, { op: 'reload' }, { timeoutMs: 2_000 });
    expect(response).toEqual({ ok: false, error: 'internal error: config file vanished' });
  });

  it('serves another client while a silent one is connected, then cuts the silent one', async () => {
    const silent = net.connect(socketPath);
    let silentClosed = false;
    silent.on('close', () => (silentClosed = true));
    silent.on('error', () => {});
    await new Promise<void>((resolve) => silent.once('connect', () => resolve()));
    const response = await request(socketPath, { op: 'status' }, { timeoutMs: 2_000 });
    expect(response.ok).toBe(true);
    expect(silentClosed).toBe(false);
    await waitFor(() => silentClosed, 3_000);
  });

  it('does not cut a client while its slow request runs', async () => {
    let release = () => {};
    target.drainGate = new Promise<void>((resolve) => (release = resolve));
    const pending = request(socketPath, { op: 'drain', service: 'web' }, { timeoutMs: 5_000 });
    await waitFor(() => target.calls.includes('drain web'));
    // A silent client connected now is cut after the idle timeout: proof that it has passed.
    const silent = net.connect(socketPath);
    let silentClosed = false;
    silent.on('close', () => (silentClosed = true));
    silent.on('error', () => {});
    await waitFor(() => silentClosed, 3_000);
    release();
    expect(await pending).toEqual({ ok: true, value: null });
  });

  it('creates the socket with mode 0600 whatever the umask', () => {
    const stat = lstatSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it('refuses to start a second instance on the same path', async () => {
    await expect(
      startControlServer({ path: socketPath, target: new FakeTarget(), log: silentLogger }),
    ).rejects.toThrow(/another instance is already listening on control socket .*test\.sock/);
    expect((await request(socketPath, { op: 'status' }, { timeoutMs: 2_000 })).ok).toBe(true);
  });

  it('removes its socket file on close', async () => {
    await server?.close();
    server = null;
    expect(existsSync(socketPath)).toBe(false);
  });
});

describe('control server start', () => {
  it('replaces a stale socket left by a dead instance', async () => {
    const tmp = tempDir('stale');
    const socketPath = path.join(tmp.dir, 'stale.sock');
    try {
      // A process killed with SIGKILL leaves its socket file behind, with nobody answering.
      const child = spawn(
        process.execPath,
        [
          '-e',
          `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('ready'))`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      } finally {
        child.kill('SIGKILL');
      }
      await exited;

      expect(lstatSync(socketPath).isSocket()).toBe(true);
      const server = await startControlServer({
        path: socketPath,
        target: new FakeTarget(),
        log: silentLogger,
      });
      try {
        expect((await request(socketPath, { op: 'status' }, { timeoutMs: 2_000 })).ok).toBe(true);
      } finally {
        await server.close();
      }
    } finally {
      tmp.remove();
    }
  });

  it('refuses a path that holds something other than a socket', async () => {
    const tmp = tempDir('file');
    const file = path.join(tmp.dir, 'not-a-socket');
    writeFileSync(file, 'data');
    try {
      await expect(
        startControlServer({ path: file, target: new FakeTarget(), log: silentLogger }),
      ).rejects.toThrow(ControlServerError);
      expect(existsSync(file)).toBe(true);
    } finally {
      tmp.remove();
    }
  });

  it('refuses a path too long for a unix socket', async () => {
    const long = path.join('/nonexistent', 'x'.repeat(120), 'a.sock');
    await expect(
      startControlServer({ path: long, target: new FakeTarget(), log: silentLogger }),
    ).rejects.toThrow(/path too long/);
  });

  it('serves the status of a target whose services are all down', async () => {
    const tmp = tempDir('down');
    const socketPath = path.join(tmp.dir, 'd.sock');
    const server = await startControlServer({
      path: socketPath,
      target: new FakeTarget([serviceStatus('web', 'DOWN')]),
      log: silentLogger,
    });
    try {
      const response = await request(socketPath, { op: 'status' }, { timeoutMs: 2_000 });
      expect(response).toMatchObject({
        ok: true,
        value: { services: [{ name: 'web', state: 'DOWN' }] },
      });
    } finally {
      await server.close();
      tmp.remove();
    }
  });

  it('puts the default socket under RUNTIME_DIRECTORY, else /run/bgp-healthcheck', () => {
    expect(defaultControlPath('web', { RUNTIME_DIRECTORY: '/run/x:/run/y' })).toBe(
      '/run/x/web.sock',
    );
    expect(
      defaultControlPath('web', { RUNTIME_DIRECTORY: '/run/exabgp:/run/bgp-healthcheck' }),
    ).toBe('/run/bgp-healthcheck/web.sock');
    expect(defaultControlPath('healthcheck', {})).toBe('/run/bgp-healthcheck/healthcheck.sock');
    expect(defaultControlPath('../etc/passwd', {})).toBe('/run/bgp-healthcheck/__etc_passwd.sock');
  });
});
