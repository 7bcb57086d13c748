// Our process under ExaBGP's conditions: stdin closing, the parent going away, a check that will not die.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OUR_COMMAND, runHealthcheck, waitFor } from '../support/healthcheck-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bhc-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // A zombie has exited; this sandbox's PID 1 may not reap it.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const BASE = [
  '--no-syslog',
  '--no-ip-setup',
  '--ip',
  '198.51.100.10',
  '--rise',
  '1',
  '--interval',
  '0.05',
];

describe('the healthcheck process', () => {
  it('withdraws while stdout still works, then exits, when ExaBGP closes its stdin', async () => {
    const run = runHealthcheck(
      { impl: 'ours', args: [...BASE, '--command', 'true', '--drain-time', '30'] },
      {
        onLine: (_line, index, proc) => {
          if (index === 1) proc.stdin.end();
        },
      },
    );
    const outcome = await run;
    expect(outcome.code).toBe(0);
    // No drain: ExaBGP is going away. The withdrawal is the last line.
    expect(outcome.lines.some((l) => l.includes('med 500'))).toBe(false);
    expect(outcome.lines.at(-1)).toBe('withdraw route 198.51.100.10/32 next-hop self');
    expect(outcome.lines.slice(0, -1).every((l) => l.startsWith('announce'))).toBe(true);
  });

  it('exits when its parent goes away (orphaned), as the reference', async () => {
    const pidFile = join(dir, 'orphan.pid');
    // A parent shell that starts us with pipes it keeps open, then is killed.
    const parent = spawn(
      '/bin/sh',
      [
        '-c',
        `${OUR_COMMAND.map((part) => `"${part}"`).join(' ')} ${BASE.join(' ')} --no-ack --pid ${pidFile} --command true > /dev/null & wait`,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    const pid = await waitFor(() => {
      try {
        return Number(readFileSync(pidFile, 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    }, 'the pid file');
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(() => (alive(pid) ? undefined : true), 'the orphaned process to exit', 20_000);
  });

  it('kills a check that ignores SIGTERM and leaves a child holding the pipe, at the timeout', async () => {
    const childPids = join(dir, 'child.pids');
    const stubborn = `trap '' TERM; sleep 1000 & echo $! >> ${childPids}; echo $$ >> ${childPids}; wait`;
    const outcome = await runHealthcheck(
      { impl: 'ours', args: [...BASE, '--fall', '1', '--timeout', '1', '--command', stubborn] },
      {
        onLine: (_line, index, proc) => {
          if (index === 0) proc.kill('SIGTERM');
        },
      },
    );
    expect(outcome.lines[0]).toBe('announce route 198.51.100.10/32 next-hop self med 1000');
    expect(outcome.lines.at(-1)).toBe('withdraw route 198.51.100.10/32 next-hop self');
    const pids = readFileSync(childPids, 'utf8').trim().split('\n').map(Number);
    await waitFor(
      () => (pids.some(alive) ? undefined : true),
      'every process of the check to be gone',
    );
  });

  it('keeps its memory bounded while a check prints 400 MB', async () => {
    // Peak resident memory (KiB) after the first cycle, with a quiet check and with a 400 MB one.
    // Keeping the output would add 390 000 KiB. What the loud check does add is read buffers that
    // are already garbage: V8 collects them once tens of MB have piled up, a heuristic that moves
    // between Node versions (here about 40 MB on Node 20 and 22, 80 MB on 24, whatever the size).
    const peakAfterFirstLine = async (command: string): Promise<number> => {
      let peak = 0;
      await runHealthcheck(
        {
          impl: 'ours',
          args: [...BASE, '--fall', '1', '--command', command],
          // Reading 400 MB through a pipe takes seconds on a quiet machine and took some 18 s on
          // a loaded one: the process is given its time, its memory is what is measured.
          timeoutMs: 120_000,
        },
        {
          onLine: (_line, _index, proc) => {
            const status = readFileSync(`/proc/${proc.pid}/status`, 'utf8');
            peak = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
            proc.kill('SIGTERM');
          },
        },
      );
      return peak;
    };
    const quiet = await peakAfterFirstLine('exit 1');
    const loud = await peakAfterFirstLine('head -c 400000000 /dev/zero; exit 1');
    expect(quiet).toBeGreaterThan(0);
    expect(loud - quiet).toBeLessThan(150_000);
  }, 300_000);
});
