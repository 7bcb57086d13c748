import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  killRunningGroups,
  outputTail,
  runArgv,
  runShell,
  type RunResult,
} from '../../src/host/process.js';
import { isGone, liveGroupMembers, pollUntil, readPids } from '../fixtures/process/proc.js';

const dir = mkdtempSync(join(tmpdir(), `bgp-hc-process-${process.pid}-`));
let fileCounter = 0;
const tempFile = (name: string): string => join(dir, `${name}-${++fileCounter}`);

/** Pids a test started; any still alive at the end are killed so a failure leaves nothing running. */
const startedPids: number[] = [];

afterAll(() => {
  for (const pid of startedPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

async function expectAllGone(pids: number[]): Promise<void> {
  startedPids.push(...pids);
  const gone = await pollUntil(() => pids.every(isGone), 3000);
  expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
  expect(gone).toBe(true);
}

function result(overrides: Partial<RunResult>): RunResult {
  return {
    exitCode: 0,
    signal: null,
    timedOut: false,
    aborted: false,
    output: '',
    truncated: false,
    durationMs: 12,
    timeoutMs: 5000,
    ...overrides,
  };
}

describe('runShell', () => {
  it('reports exit status 0 and the output of a command that succeeds', async () => {
    const run = await runShell('echo hello', { timeoutMs: 5000 });
    expect(run).toMatchObject({ exitCode: 0, signal: null, timedOut: false, aborted: false });
    expect(run.output).toBe('hello\n');
    expect(run.error).toBeUndefined();
  });

  it('reports the exit status of a command that fails', async () => {
    const run = await runShell('echo broken; exit 3', { timeoutMs: 5000 });
    expect(run.exitCode).toBe(3);
    expect(run.output).toBe('broken\n');
  });

  it('captures stdout and stderr together', async () => {
    const run = await runShell('echo to-stdout; echo to-stderr >&2', { timeoutMs: 5000 });
    expect(run.output).toContain('to-stdout\n');
    expect(run.output).toContain('to-stderr\n');
  });

  it('reports the signal that killed the command', async () => {
    const run = await runShell('kill -SEGV $$', { timeoutMs: 5000 });
    expect(run.exitCode).toBeNull();
    expect(run.signal).toBe('SIGSEGV');
  });

  it('adds the given variables to the environment it inherits', async () => {
    process.env.BGP_HC_PROCESS_TEST = 'inherited';
    try {
      const run = await runShell('echo "$BGP_HC_PROCESS_TEST $EXTRA"', {
        timeoutMs: 5000,
        env: { EXTRA: 'added' },
      });
      expect(run.output).toBe('inherited added\n');
    } finally {
      delete process.env.BGP_HC_PROCESS_TEST;
    }
  });

  it('reports exit status 127 for a command the shell cannot find', async () => {
    const run = await runShell('bgp-hc-no-such-command-here', { timeoutMs: 5000 });
    expect(run.exitCode).toBe(127);
    expect(run.output).toContain('not found');
  });

  it('kills the whole process group at the timeout, even a member that ignores SIGTERM and holds the pipe', async () => {
    const pidFile = tempFile('pids');
    const started = Date.now();
    const run = await runShell(
      `trap '' TERM; sleep 1000 & echo $$ $! > ${pidFile}; echo started; sleep 1000; echo never`,
      { timeoutMs: 1500 },
    );
    const elapsed = Date.now() - started;
    const pids = await readPids(pidFile, 2);
    expect(run.timedOut).toBe(true);
    expect(run.exitCode).toBeNull();
    expect(run.signal).toBe('SIGKILL');
    expect(run.output).toBe('started\n');
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(5000);
    await expectAllGone(pids);
    expect(await pollUntil(() => liveGroupMembers(pids[0]!).length === 0, 3000)).toBe(true);
  });

  it('does not hang when a background grandchild keeps the pipe open after the command exits', async () => {
    const pidFile = tempFile('pids');
    const started = Date.now();
    const run = await runShell(`sleep 1000 & echo $$ $! > ${pidFile}; echo done`, {
      timeoutMs: 0,
    });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(run).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    expect(run.output).toBe('done\n');
    await expectAllGone(await readPids(pidFile, 2));
  });

  it('keeps only the last bytes of the output within the bound', async () => {
    const run = await runShell("printf 'first line\\n'; printf 0123456789 >&2", {
      timeoutMs: 5000,
      maxOutputBytes: 4,
    });
    expect(run.output).toBe('6789');
    expect(run.truncated).toBe(true);
  });

  it('does not split a UTF-8 character where the output was cut', async () => {
    const run = await runShell("printf 'abc\\303\\251'", { timeoutMs: 5000, maxOutputBytes: 3 });
    expect(run.output).toBe('cé');
    const cutInside = await runShell("printf 'abc\\303\\251'", {
      timeoutMs: 5000,
      maxOutputBytes: 1,
    });
    expect(cutInside.output).toBe('');
    expect(cutInside.truncated).toBe(true);
  });

  it('reads 400 MB of output without growing memory past the bound', async () => {
    // Keeping the output would take 400 MB. The read buffers already dropped are collected once
    // tens of MB have piled up, by a heuristic that moves between Node versions (about 40 MB on
    // Node 20 and 22, 75 MB on 24, whatever the size of the output).
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    try {
      const run = await runShell("head -c 400000000 /dev/zero | tr '\\0' x", { timeoutMs: 60_000 });
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(run.exitCode).toBe(0);
      expect(run.truncated).toBe(true);
      expect(run.output.length).toBe(65_536);
      expect(run.output).toMatch(/^x+$/);
    } finally {
      clearInterval(sampler);
    }
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('kills the whole group promptly when the signal aborts', async () => {
    const pidFile = tempFile('pids');
    const controller = new AbortController();
    const running = runShell(`sleep 1000 & echo $$ $! > ${pidFile}; sleep 1000`, {
      timeoutMs: 0,
      signal: controller.signal,
    });
    const pids = await readPids(pidFile, 2);
    startedPids.push(...pids);
    const abortedAt = Date.now();
    controller.abort();
    const run = await running;
    expect(Date.now() - abortedAt).toBeLessThan(2000);
    expect(run).toMatchObject({
      aborted: true,
      timedOut: false,
      exitCode: null,
      signal: 'SIGKILL',
    });
    await expectAllGone(pids);
  });

  it('does not start anything when the signal has already aborted', async () => {
    const pidFile = tempFile('never');
    const run = await runShell(`echo $$ > ${pidFile}`, {
      timeoutMs: 0,
      signal: AbortSignal.abort(),
    });
    expect(run.aborted).toBe(true);
    expect(run.exitCode).toBeNull();
    expect(() => readFileSync(pidFile)).toThrow();
  });

  it('connects a command whose output is discarded to /dev/null', async () => {
    const file = tempFile('fd');
    const run = await runShell(`readlink /proc/$$/fd/1 /proc/$$/fd/2 | cat > ${file}; echo lost`, {
      timeoutMs: 5000,
      discardOutput: true,
    });
    expect(run.exitCode).toBe(0);
    expect(run.output).toBe('');
    expect(readFileSync(file, 'utf8')).toBe('/dev/null\n/dev/null\n');
  });
});

describe('runArgv', () => {
  it('runs a program with its arguments and no shell in between', async () => {
    const run = await runArgv(['/bin/echo', '$HOME', 'a;b'], { timeoutMs: 5000 });
    expect(run.exitCode).toBe(0);
    expect(run.output).toBe('$HOME a;b\n');
  });

  it('returns a failed result instead of rejecting when the program does not exist', async () => {
    const run = await runArgv(['/nonexistent/bgp-hc-program'], { timeoutMs: 5000 });
    expect(run.exitCode).toBeNull();
    expect(run.error).toMatch(/ENOENT/);
    expect(describeRun('probe', run)).toMatch(/^probe: could not start: .*ENOENT/);
  });

  it('returns a failed result for an empty argv', async () => {
    const run = await runArgv([], { timeoutMs: 5000 });
    expect(run.error).toBe('no command given');
  });
});

describe('killRunningGroups', () => {
  it('kills every group still running', async () => {
    const pidFile = tempFile('pids');
    const running = runShell(`sleep 1000 & echo $$ $! > ${pidFile}; sleep 1000`, { timeoutMs: 0 });
    const pids = await readPids(pidFile, 2);
    startedPids.push(...pids);
    expect(killRunningGroups()).toBeGreaterThanOrEqual(1);
    const run = await running;
    expect(run.signal).toBe('SIGKILL');
    await expectAllGone(pids);
  });

  it('runs when our process exits, so no check outlives it', async () => {
    const source = readFileSync(new URL('../../src/host/process.ts', import.meta.url), 'utf8');
    const compiled = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const modulePath = join(dir, 'process.mjs');
    writeFileSync(modulePath, compiled.outputText);
    const pidFile = tempFile('pids');
    const driver = `
      import { readFileSync } from 'node:fs';
      const { runShell } = await import(${JSON.stringify(modulePath)});
      void runShell('sleep 1000 & echo $$ $! > ${pidFile}; sleep 1000', { timeoutMs: 0 });
      setInterval(() => {
        try {
          if (readFileSync(${JSON.stringify(pidFile)}, 'utf8').trim().split(/\\s+/).length >= 2) process.exit(0);
        } catch {}
      }, 20);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', driver], {
      stdio: 'inherit',
    });
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(exitCode).toBe(0);
    await expectAllGone(await readPids(pidFile, 2));
  });
});

describe('describeRun', () => {
  it('names the command and its exit status on one line', () => {
    expect(describeRun('check "false"', result({ exitCode: 1, durationMs: 12.4 }))).toBe(
      'check "false": exit status 1 after 12 ms',
    );
  });

  it('says how long it waited when the run timed out', () => {
    const line = describeRun(
      'check',
      result({ exitCode: null, signal: 'SIGKILL', timedOut: true, timeoutMs: 2000 }),
    );
    expect(line).toBe('check: timed out after 2 s');
  });

  it('names the signal that killed the command', () => {
    expect(
      describeRun('check', result({ exitCode: null, signal: 'SIGSEGV', durationMs: 1500 })),
    ).toBe('check: killed by SIGSEGV after 1.5 s');
  });

  it('ends with the last lines of the output, escaped so it stays one line', () => {
    const output = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', ''].join('\n');
    const line = describeRun('check', result({ exitCode: 2, output }));
    expect(line).toBe(
      'check: exit status 2 after 12 ms; output: "…three\\nfour\\nfive\\nsix\\nseven"',
    );
    expect(line).not.toContain('\n');
  });

  it('keeps at most 500 characters of the output', () => {
    const line = describeRun('check', result({ exitCode: 2, output: 'y'.repeat(2000) }));
    expect(line).toContain(`"…${'y'.repeat(500)}"`);
    expect(line).not.toContain('y'.repeat(501));
  });
});

describe('outputTail', () => {
  it('is empty for output that is only whitespace', () => {
    expect(outputTail(' \n\n  \n')).toBe('');
  });
});
