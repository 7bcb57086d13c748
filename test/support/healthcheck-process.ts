// Runs a healthcheck implementation as ExaBGP would: stdin/stdout pipes, each line acknowledged.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCommand, type CommandResult } from '../e2e/harness/exec.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const OUR_BIN = `${REPO_ROOT}bin/bgp-healthcheck`;
/**
 * How the tests start bgp-healthcheck: the bin under this Node, or the single executable named by
 * BGP_HEALTHCHECK_EXECUTABLE (CI runs the process-level tests against the release that way).
 */
export const OUR_COMMAND: readonly string[] = process.env.BGP_HEALTHCHECK_EXECUTABLE
  ? [process.env.BGP_HEALTHCHECK_EXECUTABLE]
  : [process.execPath, OUR_BIN];
export const REFERENCE_PYTHON = '/usr/bin/python3';
export const REFERENCE_MODULE = '/usr/lib/python3/dist-packages/exabgp/application/healthcheck.py';

export type Implementation = 'ours' | 'reference';

export function implementationCommand(impl: Implementation): string[] {
  return impl === 'ours' ? [...OUR_COMMAND] : [REFERENCE_PYTHON, '-m', 'exabgp', 'healthcheck'];
}

export const referenceAvailable = (): boolean => existsSync(REFERENCE_MODULE);

/** Skips (or fails under REQUIRE_E2E=1) when a tool is missing; returns whether the tier can run. */
export function requireTool(available: boolean, what: string): boolean {
  if (available) return true;
  if (process.env.REQUIRE_E2E === '1')
    throw new Error(`${what} is required (REQUIRE_E2E=1) but missing`);
  console.warn(`skipping: ${what} is missing`);
  return false;
}

export interface RunHooks {
  /** Called with each stdout line before it is acknowledged; may act on the world (or kill). */
  onLine?: (
    line: string,
    index: number,
    proc: ChildProcessWithoutNullStreams,
  ) => void | Promise<void>;
}

export interface RunOutcome {
  readonly lines: string[];
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunSpec {
  readonly impl: Implementation;
  /** The command that starts it, when not the usual one of `impl` (an installed package, say). */
  readonly command?: readonly string[];
  readonly args: readonly string[];
  readonly ack?: boolean;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** False: `env` is the whole environment, nothing inherited from the test's. */
  readonly inheritEnv?: boolean;
  /** Upper bound for the whole run. */
  readonly timeoutMs?: number;
}

/** Starts the implementation, acknowledges every line (unless ack is false) and resolves on exit. */
export function runHealthcheck(
  spec: RunSpec,
  hooks: RunHooks = {},
): Promise<RunOutcome> & {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  stderrSoFar: () => string;
} {
  const [cmd, ...base] = spec.command ?? implementationCommand(spec.impl);
  const proc = spawn(cmd!, [...base, ...spec.args], {
    cwd: spec.cwd,
    env: spec.inheritEnv === false ? { ...spec.env } : { ...process.env, ...spec.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  let chain = Promise.resolve();
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d: string) => {
    stderr += d;
  });
  proc.stdin.on('error', () => {});
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const index = lines.length;
      lines.push(line);
      chain = chain.then(async () => {
        await hooks.onLine?.(line, index, proc);
        if (spec.ack !== false && proc.stdin.writable) proc.stdin.write('done\n');
      });
    }
  });
  const timeoutMs = spec.timeoutMs ?? 20_000;
  const promise = new Promise<RunOutcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(
          `${spec.impl} did not exit within ${timeoutMs} ms; lines so far:\n${lines.join('\n')}\nstderr:\n${stderr}`,
        ),
      );
    }, timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      void chain.then(() => resolve({ lines, stderr, code, signal }));
    });
  });
  return Object.assign(promise, { proc, lines, stderrSoFar: () => stderr });
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `bgp-healthcheck ARGS` as shipped (a sub-command, a one-shot run), to completion. */
export function runOurs(args: readonly string[], timeoutMs = 10_000): Promise<CommandResult> {
  return runCommand(process.execPath, [OUR_BIN, ...args], timeoutMs);
}

/**
 * Ours on a YAML file with the log on stderr: the run, killed by `cleanups` if a test leaves it
 * running, and a wait for a stdout line that shows the log when the line does not come.
 */
export function runOursOnConfig(
  file: string,
  cleanups: (() => unknown)[],
  env: NodeJS.ProcessEnv = {},
): {
  run: ReturnType<typeof runHealthcheck>;
  awaitLine: (line: string, what: string) => Promise<unknown>;
} {
  const run = runHealthcheck({
    impl: 'ours',
    args: ['--no-syslog', '--log-stderr', '--config', file],
    env,
  });
  cleanups.push(() => {
    if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
    return run.catch(() => undefined);
  });
  const awaitLine = (line: string, what: string): Promise<unknown> =>
    waitFor(() => (run.lines.includes(line) ? true : undefined), what).catch((error: Error) => {
      throw new Error(`${error.message}; its log:\n${run.stderrSoFar()}`);
    });
  return { run, awaitLine };
}
