// Network namespaces and healthcheck processes for the address tests: created per scenario, always torn down.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Why namespace tests cannot run here, or null when they can. */
export function netnsUnavailableReason(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) return 'iproute2 (`ip`) is not installed';
  return null;
}

/** Why the reference healthcheck cannot run here, or null when it can. */
export function referenceUnavailableReason(): string | null {
  const help = spawnSync('/usr/bin/python3', ['-m', 'exabgp', 'healthcheck', '--help'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return help.status === 0
    ? null
    : 'the reference (`/usr/bin/python3 -m exabgp healthcheck`) is not installed';
}

/** Why our CLI cannot run yet (not built, or `--help` fails), or null when it can. */
export function oursUnavailableReason(): string | null {
  const help = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'bgp-healthcheck'), '--help'], {
    encoding: 'utf8',
    timeout: 20_000,
    cwd: REPO_ROOT,
  });
  return help.status === 0
    ? null
    : 'our CLI does not run yet (`npm run build`, then `node bin/bgp-healthcheck --help`)';
}

export interface Implementation {
  readonly name: 'reference' | 'ours';
  readonly argv: readonly string[];
}

export const REFERENCE: Implementation = {
  name: 'reference',
  argv: ['/usr/bin/python3', '-m', 'exabgp', 'healthcheck'],
};
export const OURS: Implementation = {
  name: 'ours',
  argv: [process.execPath, join(REPO_ROOT, 'bin', 'bgp-healthcheck')],
};

function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { encoding: 'utf8', timeout: 10_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : (error as { code?: unknown }).code;
        if (typeof code !== 'number') reject(error ?? new Error(`${argv.join(' ')} did not run`));
        else resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

async function mustRun(argv: readonly string[]): Promise<string> {
  const result = await run(argv);
  if (result.code !== 0)
    throw new Error(`${argv.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

export interface Address {
  /** CIDR as iproute2 prints it, e.g. `192.0.2.1/32`. */
  readonly cidr: string;
  /** The IPv4 label (`lo`, `lo:web`); IPv6 addresses have none. */
  readonly label: string | null;
}

let counter = 0;

/** A namespace of its own with lo up; `destroy()` deletes it. */
export class Namespace {
  private constructor(readonly name: string) {}

  static async create(): Promise<Namespace> {
    const ns = new Namespace(`bhc-addr-${process.pid}-${++counter}`);
    await mustRun(['ip', 'netns', 'add', ns.name]);
    try {
      await ns.exec(['ip', 'link', 'set', 'lo', 'up']);
    } catch (error) {
      await ns.destroy();
      throw error;
    }
    return ns;
  }

  exec(argv: readonly string[]): Promise<string> {
    return mustRun(['ip', 'netns', 'exec', this.name, ...argv]);
  }

  /** Adds `192.0.2.1/32 lo:web1`-style entries (label optional) to lo. */
  async addAddresses(entries: readonly string[]): Promise<void> {
    for (const entry of entries) {
      const [cidr, label] = entry.split(' ');
      await this.exec([
        'ip',
        'address',
        'add',
        cidr!,
        'dev',
        'lo',
        ...(label ? ['label', label] : []),
      ]);
    }
  }

  /** Every address on lo except the namespace's own 127.0.0.1/8 and ::1, as `CIDR [label]` sorted. */
  async addresses(): Promise<string[]> {
    const json = JSON.parse(await this.exec(['ip', '-json', 'address', 'show', 'dev', 'lo'])) as {
      addr_info: { local: string; prefixlen: number; label?: string }[];
    }[];
    const out: string[] = [];
    for (const info of json[0]?.addr_info ?? []) {
      const cidr = `${info.local}/${info.prefixlen}`;
      if (cidr === '127.0.0.1/8' || cidr === '::1/128') continue;
      out.push(info.label && info.label !== 'lo' ? `${cidr} ${info.label}` : cidr);
    }
    return out.sort();
  }

  async destroy(): Promise<void> {
    await run(['ip', 'netns', 'delete', this.name]);
  }
}

/** A healthcheck running inside a namespace, stdin/stdout as pipes like ExaBGP gives it. */
export class Healthcheck {
  readonly lines: string[] = [];
  stderr = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    ns: Namespace,
    impl: Implementation,
    args: readonly string[],
    options: { ack: boolean },
  ) {
    // `ip netns exec` execs the command: the pid we get is the healthcheck's own.
    this.child = spawn('ip', ['netns', 'exec', ns.name, ...impl.argv, ...args], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        this.lines.push(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        // ExaBGP's answer to every command line.
        if (options.ack && this.child.stdin!.writable) this.child.stdin!.write('done\n');
      }
    });
    this.child.stdin!.on('error', () => {});
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolvePromise) => {
      this.child.on('exit', (code, signal) => resolvePromise({ code, signal }));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  terminate(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }

  /** Waits for the exit, killing the process when it outlives the deadline. */
  async waitForExit(
    timeoutMs = 15_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolvePromise) => {
      timer = setTimeout(() => resolvePromise(null), timeoutMs);
    });
    const result = await Promise.race([this.exited, deadline]);
    clearTimeout(timer);
    if (result === null) {
      this.child.kill('SIGKILL');
      throw new Error(`healthcheck did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`);
    }
    return result;
  }

  /** Always called at the end: a process that is still running is killed. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  describe(): string {
    return `stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`;
  }
}

/** Polls `probe` until it returns something other than undefined, or fails at the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lines with consecutive repeats collapsed: the per-cycle refresh count depends on timing, the order does not. */
export function collapseRepeats(lines: readonly string[]): string[] {
  return lines.filter((line, i) => i === 0 || line !== lines[i - 1]);
}

/** The uid/gid fields of /proc/PID/status (real, effective, saved, filesystem) and the groups. */
export async function processIds(
  pid: number,
): Promise<{ uid: string; gid: string; groups: string }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').trim();
  return { uid: field('Uid'), gid: field('Gid'), groups: field('Groups') };
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `${prefix}-${process.pid}-`));
}
