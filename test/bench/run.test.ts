// The bench's quick mode: every kind of series runs and the report holds its rows, so `npm run bench` is known to work.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('runs ours, the floors, the drop-in mode and the total with ExaBGP and GoBGP once and reports each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bgphc-bench-'));
    const json = join(dir, 'results.json');
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [RUN, '--quick', '--json', json],
      { timeout: 240_000 },
    );
    // The report of the results written as JSON is the same report, without running anything.
    const again = await promisify(execFile)(process.execPath, [RUN, '--report', json], {
      timeout: 30_000,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(again.stdout.trim()).toBe(stdout.slice(0, stdout.indexOf('\n\nThe bench took')).trim());
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
    // Without exabgp and gobgpd the bench skips the total series; under REQUIRE_E2E=1 it fails.
    const skipped = /skipping the total series: .*/.exec(stderr);
    if (skipped !== null && process.env.REQUIRE_E2E !== '1') {
      process.stderr.write(`bench --quick: ${skipped[0]}\n`);
      return;
    }
    // Every route reached GoBGP (10 paths) in both variants, and each party's CPU is reported.
    const cpu = String.raw`[\d.]+`;
    for (const variant of ['every cycle', 'on change']) {
      expect(stdout).toMatch(
        new RegExp(
          String.raw`^\| 1 \| ${variant} \| 10 \| ${cpu} \| ${cpu} \| ${cpu} \| ${cpu} \| 10 \|`,
          'm',
        ),
      );
      expect(stdout).toMatch(
        new RegExp(String.raw`^\| ${variant} \| 10 \| ${cpu} / ${cpu} \|`, 'm'),
      );
    }
  }, 300_000);
});
