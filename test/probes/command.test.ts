import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandProbe } from '../../src/probes/command.js';
import { isGone, pollUntil, readPids } from '../fixtures/process/proc.js';

const dir = mkdtempSync(join(tmpdir(), `bgp-hc-command-${process.pid}-`));
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

const never = new AbortController().signal;

describe('commandProbe', () => {
  it('succeeds when the command exits 0 within the timeout', async () => {
    const result = await commandProbe('true', 5000)(never);
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('fails with the exit status and the tail of the output', async () => {
    const result = await commandProbe(
      'echo "backend down"; echo "  details  " >&2; exit 3',
      5000,
    )(never);
    expect(result).toMatchObject({
      ok: false,
      reason: 'exit status 3',
      detail: 'backend down\n  details',
    });
  });

  it('omits the detail when the command printed nothing', async () => {
    const result = await commandProbe('exit 1', 5000)(never);
    expect(result).toMatchObject({ ok: false, reason: 'exit status 1' });
    expect(result.detail).toBeUndefined();
  });

  it('names the signal that killed the command', async () => {
    const result = await commandProbe('kill -SEGV $$', 5000)(never);
    expect(result).toMatchObject({ ok: false, reason: 'killed by SIGSEGV' });
  });

  it('fails with "timeout after N s" and leaves nothing of the check running', async () => {
    const pidFile = join(dir, 'timeout-pids');
    const result = await commandProbe(
      `trap '' TERM; sleep 1000 & echo $$ $! > ${pidFile}; echo waiting; sleep 1000`,
      1000,
    )(never);
    expect(result).toMatchObject({ ok: false, reason: 'timeout after 1 s', detail: 'waiting' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(950);
    const pids = await readPids(pidFile, 2);
    startedPids.push(...pids);
    expect(await pollUntil(() => pids.every(isGone), 3000)).toBe(true);
  });

  it('fails when the shell cannot find the command', async () => {
    const result = await commandProbe('bgp-hc-no-such-check', 5000)(never);
    expect(result).toMatchObject({ ok: false, reason: 'exit status 127' });
    expect(result.ok === false && result.detail).toContain('not found');
  });

  it('stops the check and fails when its signal aborts', async () => {
    const pidFile = join(dir, 'abort-pids');
    const controller = new AbortController();
    const pending = commandProbe(`echo $$ > ${pidFile}; sleep 1000`, 0)(controller.signal);
    const pids = await readPids(pidFile, 1);
    startedPids.push(...pids);
    controller.abort();
    expect(await pending).toMatchObject({ ok: false, reason: 'aborted' });
    expect(await pollUntil(() => pids.every(isGone), 3000)).toBe(true);
  });
});
