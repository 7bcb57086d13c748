// The closing line CI reads, from a real vitest run over files that fail in the ways it must count.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './healthcheck-process.js';

describe('the summary line', () => {
  it('counts the tests of a suite that failed in beforeAll as failed, a skipped tier as skipped', () => {
    const dir = join(REPO_ROOT, 'test/fixtures/reporter');
    const run = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.ts'],
      { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '' } },
    );
    expect(run.status).toBe(1);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('1 passed, 3 failed, 1 skipped');
  });
});
