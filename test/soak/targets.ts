// The soak's check targets: steers ./target-server.js (its own process) and says what each
// service's YAML check is.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'target-server.js');

export class Targets {
  private readonly modes = new Map<string, Mode>();
  private readonly tcpPorts = new Map<string, number>();
  private child: ChildProcessWithoutNullStreams | null = null;
  private lines: Interface | null = null;
  private readonly answers: ((line: string) => void)[] = [];
  private httpPort = 0;
  private script = '';

  constructor(readonly dir: string) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, [SERVER, this.dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (line) => this.answers.shift()?.(line));
    const hello = JSON.parse(await this.next()) as { http: number; script: string };
    this.httpPort = hello.http;
    this.script = hello.script;
  }

  private next(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the target server did not answer')), 10_000);
      this.answers.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  /** Registers a service's target (healthy) and returns what its YAML check says. */
  async add(name: string, kind: CheckKind): Promise<string> {
    if (!this.modes.has(name)) await this.setMode(name, kind, 'ok');
    if (kind === 'command') return `{ type: command, command: "/bin/sh ${this.script} ${name}" }`;
    if (kind === 'http')
      return `{ type: http, url: "http://127.0.0.1:${this.httpPort}/s/${name}" }`;
    return `{ type: tcp, host: 127.0.0.1, port: ${this.tcpPorts.get(name) ?? 0} }`;
  }

  mode(name: string): Mode {
    return this.modes.get(name) ?? 'ok';
  }

  async setMode(name: string, kind: CheckKind, mode: Mode): Promise<void> {
    const answer = this.next();
    this.child?.stdin.write(`${name} ${kind} ${mode}\n`);
    const line = await answer;
    const port = /^ok (\d+)$/.exec(line)?.[1];
    if (port === undefined) throw new Error(`target server: ${line}`);
    this.modes.set(name, mode);
    if (kind === 'tcp' && !this.tcpPorts.has(name)) this.tcpPorts.set(name, Number(port));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
    this.lines?.close();
  }
}
