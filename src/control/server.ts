// The control socket server: a unix socket, mode 0600, answering one JSON request per line.
import { chmod, lstat, mkdtemp, rename, rmdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { InvalidValueError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { BIND_DIRECTORY_PREFIX, BIND_SOCKET_NAME, parseSocketPath } from '../core/socket-path.js';
import type { ControlTarget } from '../runtime/control.js';
import {
  MAX_REQUEST_BYTES,
  encodeLine,
  parseRequest,
  type ControlRequest,
  type ControlResponse,
} from './protocol.js';
import { ensureDirectory } from '../host/directory.js';

export const DEFAULT_RUNTIME_DIRECTORY = '/run/bgp-healthcheck';
/** A client that sends no complete request for this long is disconnected. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5_000;
const MAX_CONNECTIONS = 64;

export class ControlServerError extends Error {
  override readonly name = 'ControlServerError';
}

export interface ControlServerOptions {
  readonly path: string;
  readonly target: ControlTarget;
  readonly log: Logger;
  readonly idleTimeoutMs?: number;
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * The default socket path of the instance called `name`: under systemd's RuntimeDirectory when
 * set, else /run/bgp-healthcheck.
 */
export function defaultControlPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  // A unit may list several runtime directories (ExaBGP's and ours): ours wins, else the first.
  const listed = (env.RUNTIME_DIRECTORY ?? '').split(':').filter((dir) => dir !== '');
  const runtime =
    listed.find((dir) => path.basename(dir) === 'bgp-healthcheck') ??
    listed[0] ??
    DEFAULT_RUNTIME_DIRECTORY;
  const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'healthcheck';
  return path.join(runtime, `${safeName}.sock`);
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

/** Resolves true when something accepts a connection on `socketPath`. */
function somethingListens(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    const timer = setTimeout(() => {
      // Accepted by the kernel but not answered in time: still an instance holding the path.
      probe.destroy();
      resolve(true);
    }, 1_000);
    probe.once('connect', () => {
      clearTimeout(timer);
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Makes room for our socket: refuses when another instance answers, removes a stale socket file. */
async function claimPath(socketPath: string, log: Logger): Promise<void> {
  let stat;
  try {
    stat = await lstat(socketPath);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return;
    throw new ControlServerError(`cannot use control socket ${socketPath}: ${errnoOf(error)}`);
  }
  if (!stat.isSocket()) {
    throw new ControlServerError(
      `cannot use control socket ${socketPath}: the path exists and is not a socket`,
    );
  }
  if (await somethingListens(socketPath)) {
    throw new ControlServerError(
      `another instance is already listening on control socket ${socketPath}; refusing to start (stop it, or choose another path)`,
    );
  }
  log.info(`removing stale control socket ${socketPath}`);
  await unlink(socketPath).catch((error: unknown) => {
    if (errnoOf(error) !== 'ENOENT') {
      throw new ControlServerError(
        `cannot remove stale control socket ${socketPath}: ${errnoOf(error)}`,
      );
    }
  });
}

function listen(server: net.Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(socketPath, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function execute(target: ControlTarget, request: ControlRequest): Promise<ControlResponse> {
  switch (request.op) {
    case 'status':
      return { ok: true, value: target.status() };
    case 'disable':
      return target.disable(request.service, request.reason, request.by ?? 'unknown');
    case 'enable':
      return target.enable(request.service);
    case 'drain':
      return target.drain(request.service);
    case 'check':
      return target.checkNow(request.service);
    case 'reload':
      return target.reload();
  }
}

function describeRequest(request: ControlRequest): string {
  const who = 'by' in request && request.by !== undefined ? ` by ${request.by}` : '';
  const what = 'service' in request ? ` ${request.service}` : '';
  return `${request.op}${what}${who}`;
}

/** Serves one connection: requests are answered in order, one at a time. */
function serveConnection(
  socket: net.Socket,
  target: ControlTarget,
  log: Logger,
  idleTimeoutMs: number,
): void {
  let buffered = '';
  let busy = false;
  const queue: string[] = [];

  socket.setEncoding('utf8');
  socket.setTimeout(idleTimeoutMs);
  socket.on('timeout', () => {
    // A slow operation (drain, check) is not idleness: the timer is off while one runs.
    if (!busy) socket.destroy();
  });
  socket.on('error', (error) => log.debug(`control connection error: ${error.message}`));

  const reply = (response: ControlResponse) => {
    if (!socket.destroyed) socket.write(encodeLine(response));
  };

  const handle = async (line: string): Promise<void> => {
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      log.warn(`control request refused: ${parsed.error}`);
      reply({ ok: false, error: parsed.error });
      return;
    }
    const request = parsed.value;
    if (request.op !== 'status') log.info(`control: ${describeRequest(request)}`);
    try {
      const result = await execute(target, request);
      // An undefined value would vanish from the JSON; null keeps every success shaped alike.
      reply(result.ok ? { ok: true, value: result.value ?? null } : result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error(`control: ${describeRequest(request)} failed: ${message}`);
      reply({ ok: false, error: `internal error: ${message}` });
    }
  };

  // A line too large to be a request ends the connection: whatever follows cannot be trusted to be framed.
  let overflowed = false;
  const refuseTooLarge = () => {
    log.warn('control request refused: too large');
    socket.end(
      encodeLine({ ok: false, error: `request too large (over ${MAX_REQUEST_BYTES} bytes)` }),
      () => socket.destroy(),
    );
  };

  let running: Promise<void> | null = null;
  const drainQueue = async (): Promise<void> => {
    if (running) return running;
    busy = true;
    socket.setTimeout(0);
    running = (async () => {
      for (let line = queue.shift(); line !== undefined; line = queue.shift()) {
        await handle(line);
      }
      if (overflowed) refuseTooLarge();
    })();
    try {
      await running;
    } finally {
      running = null;
      busy = false;
      if (!socket.destroyed) socket.setTimeout(idleTimeoutMs);
    }
    if (queue.length > 0) await drainQueue();
  };

  socket.on('data', (chunk: string) => {
    if (overflowed) return;
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (Buffer.byteLength(line, 'utf8') > MAX_REQUEST_BYTES) {
        overflowed = true;
        break;
      }
      if (line.trim() !== '') queue.push(line);
      newline = buffered.indexOf('\n');
    }
    if (overflowed || Buffer.byteLength(buffered, 'utf8') > MAX_REQUEST_BYTES) {
      overflowed = true;
      buffered = '';
      socket.pause();
    }
    void drainQueue();
  });
  socket.on('end', () => {
    if (overflowed) return;
    // A final request without its newline still counts.
    if (buffered.trim() !== '') queue.push(buffered);
    buffered = '';
    void drainQueue().then(() => socket.end());
  });
}

/** Starts the control server on `path`; rejects with a ControlServerError when the path is taken. */
export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  let socketPath: string;
  try {
    socketPath = parseSocketPath(opts.path, process.cwd());
  } catch (error) {
    if (error instanceof InvalidValueError) throw new ControlServerError(error.message);
    throw error;
  }
  const { target, log } = opts;
  const idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const directory = path.dirname(socketPath);
  try {
    ensureDirectory(directory, 0o755);
  } catch (error) {
    throw new ControlServerError(
      `cannot create directory ${directory} for the control socket: ${errnoOf(error)}`,
    );
  }
  await claimPath(socketPath, log);

  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    serveConnection(socket, target, log, idleTimeoutMs);
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.on('error', (error) => log.error(`control socket ${socketPath}: ${error.message}`));

  let privateDir: string;
  try {
    // Bound in a private directory and moved into place: never reachable with a mode the umask chose.
    privateDir = await mkdtemp(path.join(directory, BIND_DIRECTORY_PREFIX));
    // mkdtemp's 0700 less the umask: ExaBGP's 0137 would leave no search bit to bind in it.
    await chmod(privateDir, 0o700);
  } catch (error) {
    throw new ControlServerError(
      `cannot create the control socket in ${directory}: ${errnoOf(error)}`,
    );
  }
  const tempSocket = path.join(privateDir, BIND_SOCKET_NAME);
  let inode: number;
  try {
    await listen(server, tempSocket);
    await chmod(tempSocket, 0o600);
    await claimPath(socketPath, log);
    await rename(tempSocket, socketPath);
    inode = (await lstat(socketPath)).ino;
  } catch (error) {
    server.close();
    await unlink(tempSocket).catch(() => {});
    if (error instanceof ControlServerError) throw error;
    throw new ControlServerError(
      `cannot listen on control socket ${socketPath}: ${errnoOf(error)}`,
    );
  } finally {
    await rmdir(privateDir).catch(() => {});
  }
  log.info(`control socket listening on ${socketPath}`);

  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of connections) socket.destroy();
    await closed;
    // Remove the file only while it is still ours: never another instance's socket.
    const current = await lstat(socketPath).catch(() => null);
    if (current?.ino === inode) await unlink(socketPath).catch(() => {});
  };
  return {
    path: socketPath,
    close: () => (closing ??= close()),
  };
}
