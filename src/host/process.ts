// Runs one child process to completion: own process group, bounded time, bounded output, never rejects.
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';

export interface RunOptions {
  /** Kill the whole process group after this many milliseconds; 0 = no limit. */
  timeoutMs: number;
  /** Aborting kills the whole process group at once. */
  signal?: AbortSignal;
  /** Merged over process.env. */
  env?: NodeJS.ProcessEnv;
  /** Keep only the last bytes of stdout and stderr combined; default 65536. */
  maxOutputBytes?: number;
  /** Give the child no pipes at all (hooks): output goes nowhere. */
  discardOutput?: boolean;
}

export interface RunResult {
  /** Exit code of the direct child, null when it was killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** The last `maxOutputBytes` of stdout and stderr, interleaved in arrival order. */
  output: string;
  /** True when earlier output was dropped to stay within the bound. */
  truncated: boolean;
  durationMs: number;
  /** Why the process could not be started. */
  error?: string;
  /** The time limit that applied, so a description can say how long we waited. */
  timeoutMs: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 65_536;

/**
 * How long a pipe may stay open after the direct child exited. A background grandchild that
 * inherited the pipe would otherwise hold the run open for as long as it lives.
 */
const PIPE_GRACE_MS = 100;

const SHELL = '/bin/sh';

/** Runs `command` through `/bin/sh -c`, as the reference does for checks and hooks. */
export function runShell(command: string, options: RunOptions): Promise<RunResult> {
  return run(SHELL, ['-c', command], options);
}

/** Runs a program directly, without a shell in between. */
export function runArgv(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined || file === '') {
    return Promise.resolve(notStarted('no command given', options, 0));
  }
  return run(file, args, options);
}

/** Process groups started here and not yet settled; killed when our own process exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Kills every process group still running. Runs by itself on process 'exit'; the runtime may
 * call it earlier, on a fatal signal, where Node would otherwise die without an 'exit' event.
 * Returns how many groups were signalled.
 */
export function killRunningGroups(): number {
  let count = 0;
  for (const pgid of liveGroups) {
    if (killGroup(pgid)) count++;
  }
  return count;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    killRunningGroups();
  });
}

function killGroup(pgid: number): boolean {
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
    return false;
  }
}

function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  if (options.signal?.aborted) {
    return Promise.resolve({ ...notStarted(undefined, options, 0), aborted: true });
  }
  installExitHook();

  return new Promise<RunResult>((resolve) => {
    const output = new TailBuffer(options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES);
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        detached: true,
        stdio: options.discardOutput ? 'ignore' : ['ignore', 'pipe', 'pipe'],
        env: options.env ? { ...process.env, ...options.env } : process.env,
      });
    } catch (error) {
      resolve(notStarted(errorText(error), options, performance.now() - started));
      return;
    }

    const pgid = child.pid;
    if (pgid !== undefined) liveGroups.add(pgid);

    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let exited = false;
    let timedOut = false;
    let aborted = false;
    let spawnError: string | undefined;
    let settled = false;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const pipes = [child.stdout, child.stderr].filter((p): p is Readable => p !== null);
    let openPipes = pipes.length;

    const killNow = (): void => {
      if (pgid !== undefined) killGroup(pgid);
    };

    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeoutTimer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (pgid !== undefined) liveGroups.delete(pgid);
      for (const pipe of pipes) pipe.destroy();
      const { text, truncated } = output.read();
      const result: RunResult = {
        exitCode,
        signal: exitSignal,
        timedOut,
        aborted,
        output: text,
        truncated,
        durationMs: performance.now() - started,
        timeoutMs: options.timeoutMs,
      };
      if (spawnError !== undefined) result.error = spawnError;
      resolve(result);
    };

    const settleIfDone = (): void => {
      if (exited && openPipes === 0) settle();
    };

    const onAbort = (): void => {
      if (!exited) aborted = true;
      killNow();
    };

    for (const pipe of pipes) {
      pipe.on('data', (chunk: Buffer) => output.push(chunk));
      pipe.on('error', () => {
        // A read error only ends the capture early; 'close' still follows.
      });
      pipe.once('close', () => {
        openPipes--;
        settleIfDone();
      });
    }

    child.on('error', (error) => {
      // Node reports a failed spawn here, with no pid and no 'exit' to follow.
      if (child.pid === undefined) {
        spawnError = errorText(error);
        exited = true;
        settle();
      }
    });

    child.once('exit', (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      clearTimeout(timeoutTimer);
      if (openPipes === 0) {
        settle();
        return;
      }
      // Whatever still holds the pipe is a leftover of this group: let it flush, then end it.
      graceTimer = setTimeout(() => {
        killNow();
        settle();
      }, PIPE_GRACE_MS);
    });

    if (options.timeoutMs > 0) {
      timeoutTimer = setTimeout(() => {
        if (exited) return;
        timedOut = true;
        killNow();
      }, options.timeoutMs);
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function notStarted(error: string | undefined, options: RunOptions, durationMs: number): RunResult {
  const result: RunResult = {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    output: '',
    truncated: false,
    durationMs,
    timeoutMs: options.timeoutMs,
  };
  if (error !== undefined) result.error = error;
  return result;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Keeps the last `limit` bytes pushed into it, whatever the total. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.limit <= 0) {
      if (chunk.length > 0) this.dropped = true;
      return;
    }
    if (chunk.length >= this.limit) {
      // Copy so the kept tail does not pin a large read buffer.
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.limit))];
      this.dropped ||= chunk.length > this.limit || this.size > 0;
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      this.dropped = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }

  read(): { text: string; truncated: boolean } {
    let bytes = Buffer.concat(this.chunks, this.size);
    if (this.dropped) {
      // The cut may have split a UTF-8 sequence: skip its continuation bytes.
      let start = 0;
      while (start < bytes.length && start < 3 && (bytes[start]! & 0xc0) === 0x80) start++;
      bytes = bytes.subarray(start);
    }
    return { text: bytes.toString('utf8'), truncated: this.dropped };
  }
}

const TAIL_LINES = 5;
const TAIL_CHARS = 500;

/** The last few lines of some output, trimmed, for a log line or a probe's detail. */
export function outputTail(output: string, maxLines = TAIL_LINES, maxChars = TAIL_CHARS): string {
  const lines = output.trimEnd().split('\n');
  let tail = lines.slice(-maxLines).join('\n');
  let cut = lines.length > maxLines;
  if (tail.length > maxChars) {
    tail = tail.slice(tail.length - maxChars);
    cut = true;
  }
  tail = tail.trim();
  return cut && tail !== '' ? `…${tail}` : tail;
}

/** Seconds as a person writes them: 5 s, 0.5 s, 1.25 s. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** A measured duration: "12 ms" below a second, "2.35 s" above. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}

/** How the run ended, in a few words: "exit status 3", "killed by SIGSEGV", "timed out after 2 s". */
export function describeOutcome(result: RunResult): string {
  if (result.error !== undefined) return `could not start: ${result.error}`;
  if (result.timedOut) return `timed out after ${formatSeconds(result.timeoutMs)}`;
  if (result.aborted) return 'aborted';
  if (result.signal !== null) return `killed by ${result.signal}`;
  return `exit status ${result.exitCode ?? 'unknown'}`;
}

/** True when the run ended by itself with exit status 0. */
export function succeeded(result: RunResult): boolean {
  return result.exitCode === 0 && !result.timedOut && !result.aborted && result.error === undefined;
}

/**
 * One readable line about a run: what ran, how it ended, and the tail of its output.
 * The tail is quoted as a JSON string so a newline or escape sequence in it cannot forge log lines.
 */
export function describeRun(what: string, result: RunResult): string {
  let line = `${what}: ${describeOutcome(result)}`;
  if (!result.timedOut && result.error === undefined) {
    line += ` after ${formatDuration(result.durationMs)}`;
  }
  const tail = outputTail(result.output);
  if (tail !== '') line += `; output: ${JSON.stringify(tail)}`;
  return line;
}
