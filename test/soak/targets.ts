// The soak's check targets on loopback: one HTTP server for every http service, a TCP listener per
// tcp service, and a shell script for the command services; each answers as its service's mode says.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { join } from 'node:path';

/**
 * What a target does: answer (ok), fail (down), never answer (stall: the HTTP server keeps the
 * request), hang (the command sleeps past its timeout), or flood (the command writes megabytes
 * and passes).
 */
export type Mode = 'ok' | 'down' | 'stall' | 'hang' | 'flood';

export type CheckKind = 'command' | 'http' | 'tcp';

/** Whether a check in `mode` passes. */
export function passes(mode: Mode): boolean {
  return mode === 'ok' || mode === 'flood';
}

/** What the command check writes when it floods: enough to overflow any sane buffer many times. */
const FLOOD_BYTES = 8 * 1024 * 1024;

export class Targets {
  private readonly modes = new Map<string, Mode>();
  private readonly tcp = new Map<string, { port: number; server: Server | null }>();
  private readonly sockets = new Set<Socket>();
  private readonly stalled = new Set<ServerResponse>();
  private http: ReturnType<typeof createHttpServer> | null = null;
  httpPort = 0;
  readonly script: string;
  private readonly stateDir: string;

  constructor(readonly dir: string) {
    this.script = join(dir, 'check.sh');
    this.stateDir = join(dir, 'modes');
  }

  async start(): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o755 });
    // Not `exec sleep`: the shell, whose argument names the soak's directory, stays as the parent,
    // so a hung check that outlives its process group is found by the leak count.
    await writeFile(
      this.script,
      [
        '#!/bin/sh',
        `m=$(cat '${this.stateDir}'/"$1" 2>/dev/null)`,
        'case "$m" in',
        '  hang) sleep 3600; exit 0 ;;',
        `  flood) head -c ${FLOOD_BYTES} /dev/zero; exit 0 ;;`,
        '  down) exit 1 ;;',
        'esac',
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const http = createHttpServer((request: IncomingMessage, response: ServerResponse) => {
      const name = (request.url ?? '').replace(/^\/s\//, '');
      const mode = this.modes.get(name) ?? 'down';
      if (mode === 'stall') {
        this.stalled.add(response);
        response.once('close', () => this.stalled.delete(response));
        return;
      }
      response.writeHead(passes(mode) ? 200 : 503).end(passes(mode) ? 'ok' : 'down');
    });
    http.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    this.http = http;
    this.httpPort = (http.address() as AddressInfo).port;
  }

  /** Registers a service's target (healthy) and returns what its YAML check says. */
  async add(name: string, kind: CheckKind): Promise<string> {
    if (!this.modes.has(name)) await this.setMode(name, kind, 'ok');
    if (kind === 'command') return `{ type: command, command: "/bin/sh ${this.script} ${name}" }`;
    if (kind === 'http')
      return `{ type: http, url: "http://127.0.0.1:${this.httpPort}/s/${name}" }`;
    const port = this.tcp.get(name)?.port ?? 0;
    return `{ type: tcp, host: 127.0.0.1, port: ${port} }`;
  }

  mode(name: string): Mode {
    return this.modes.get(name) ?? 'ok';
  }

  async setMode(name: string, kind: CheckKind, mode: Mode): Promise<void> {
    this.modes.set(name, mode);
    if (kind === 'command') {
      await writeFile(join(this.stateDir, name), `${mode}\n`, { mode: 0o644 });
    } else if (kind === 'tcp') {
      await this.setListening(name, passes(mode));
    }
  }

  /** A tcp target passes while something listens on its port; a down one refuses connections. */
  private async setListening(name: string, listening: boolean): Promise<void> {
    const entry = this.tcp.get(name) ?? { port: 0, server: null };
    this.tcp.set(name, entry);
    if (listening && entry.server === null) {
      const server = createTcpServer((socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
        socket.end();
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: entry.port, host: '127.0.0.1' }, () => resolve());
      });
      entry.port = (server.address() as AddressInfo).port;
      entry.server = server;
    } else if (!listening && entry.server !== null) {
      const server = entry.server;
      entry.server = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async stop(): Promise<void> {
    for (const response of this.stalled) response.destroy();
    for (const socket of this.sockets) socket.destroy();
    for (const entry of this.tcp.values()) entry.server?.close();
    this.http?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.http ? this.http.close(() => resolve()) : resolve(),
    );
    await rm(this.stateDir, { recursive: true, force: true });
  }
}
