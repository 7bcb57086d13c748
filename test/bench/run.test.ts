// The bench's quick mode: every kind of series runs and the report holds its rows, so `npm run bench` is known to work.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('runs ours, the floors and the drop-in mode once and reports each with its ratio', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [RUN, '--quick'], {
      timeout: 240_000,
    });
    expect(stdout).toMatch(/^Machine: .*load average at start [\d.]+ [\d.]+ [\d.]+/m);
    for (const row of [
      /^\| 1 \| ours \| http \| 20 \| 1 \|/m,
      /^\| 1 \| ours \| http keep-alive \| 20 \| 1 \|/m,
      /^\| 1 \| ours \| tcp \| 20 \| 1 \|/m,
      /^\| 1 \| floor \| tcp \| 20 \| 1 \|/m,
      /^\| 1 \| drop-in \| http \| 2 \| 2 \|/m,
      /^\| 1 \| node floor \| http \| 2 \| 2 \|/m,
      /^\| ours \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| .* \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| CPU/m,
      /^\| Node floor \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \|/m,
      /^\| tcp \| 20 \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \|/m,
      /^\| checker alone/m,
    ]) {
      expect(stdout).toMatch(row);
    }
  }, 300_000);
});
