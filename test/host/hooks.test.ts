import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { runHooks } from '../../src/host/hooks.js';
import { isGone, pollUntil, readPids } from '../fixtures/process/proc.js';

const dir = mkdtempSync(join(tmpdir(), `bgp-hc-hooks-${process.pid}-`));
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

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    debug: () => {},
    info: () => {},
    warn: (message) => warnings.push(message),
    error: (message) => warnings.push(`error: ${message}`),
  };
}

describe('runHooks', () => {
  it('gives each hook the new state in STATE', async () => {
    const file = join(dir, 'state');
    const log = recordingLogger();
    await runHooks([`printf %s "$STATE" > ${file}`], 'UP', 5000, log);
    expect(readFileSync(file, 'utf8')).toBe('UP');
    expect(log.warnings).toEqual([]);
  });

  it('runs the hooks one after the other, in order', async () => {
    const file = join(dir, 'order');
    // The first hook is the slowest: hooks started side by side would finish out of order.
    const commands = [
      `sleep 0.2; echo first >> ${file}`,
      `echo second >> ${file}`,
      `echo third >> ${file}`,
    ];
    await runHooks(commands, 'DOWN', 5000, recordingLogger());
    expect(readFileSync(file, 'utf8')).toBe('first\nsecond\nthird\n');
  });

  it('logs a failing hook as a warning and goes on with the next one', async () => {
    const file = join(dir, 'after-failure');
    const log = recordingLogger();
    await expect(
      runHooks(['echo noisy; exit 4', `echo ran > ${file}`], 'DISABLED', 5000, log),
    ).resolves.toBeUndefined();
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(
      /^state DISABLED: hook "echo noisy; exit 4": exit status 4 after \d+ ms$/,
    );
    expect(readFileSync(file, 'utf8')).toBe('ran\n');
  });

  it('cuts a hook that never ends at the timeout, kills its group, and still runs the next hook', async () => {
    const pidFile = join(dir, 'stuck-pids');
    const file = join(dir, 'after-stuck');
    const log = recordingLogger();
    const started = Date.now();
    await runHooks(
      [`sleep 1000 & echo $$ $! > ${pidFile}; sleep 1000`, `echo ran > ${file}`],
      'FALLING',
      500,
      log,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(log.warnings).toEqual([expect.stringMatching(/: timed out after 0\.5 s$/)]);
    expect(readFileSync(file, 'utf8')).toBe('ran\n');
    const pids = await readPids(pidFile, 2);
    startedPids.push(...pids);
    expect(await pollUntil(() => pids.every(isGone), 3000)).toBe(true);
  });

  it('runs nothing more once its signal has aborted', async () => {
    const file = join(dir, 'aborted');
    await runHooks([`echo ran > ${file}`], 'UP', 5000, recordingLogger(), AbortSignal.abort());
    expect(() => readFileSync(file)).toThrow();
  });
});
