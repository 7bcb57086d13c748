// The BIRD speaker when BIRD refuses: retried with backoff, counted in the metrics, the file whole.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { freePort } from '../e2e/harness/ports.js';
import { makeTempDir, removeTempDir } from '../e2e/harness/tempdir.js';
import { runHealthcheck, waitFor } from '../support/healthcheck-process.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await removeTempDir(dir);
});

it('retries a refused reconfigure with backoff, counts it in the metrics, and exits 0 with nothing on stdout', async () => {
  const dir = await makeTempDir('bird-refused');
  dirs.push(dir);
  const port = await freePort();
  const file = join(dir, 'routes.conf');
  const attempts = join(dir, 'attempts');
  const config = join(dir, 'hc.yaml');
  await writeFile(
    config,
    [
      'speaker:',
      '  type: bird',
      `  file: ${file}`,
      // Stands for a BIRD that answers every configure with an error.
      `  reconfigure: echo attempt >> ${attempts}; echo 'syntax error'; exit 1`,
      `metrics: { listen: "127.0.0.1:${port}" }`,
      'services:',
      '  - name: web',
      '    timing: { interval: 0.2, rise: 1, fall: 1 }',
      '    routes: { prefixes: [198.51.100.10/32], ip-setup: false }',
      '',
    ].join('\n'),
  );
  const run = runHealthcheck({ impl: 'ours', args: ['--config', config, '--no-syslog'] });
  const failed = await waitFor(
    async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const count = Number(
        /bgp_healthcheck_speaker_applies_total\{result="failed"\} (\d+)/.exec(text)?.[1],
      );
      return count >= 3 ? count : undefined;
    },
    'three failed applies in the metrics',
    15_000,
  );
  expect(failed).toBeGreaterThanOrEqual(3);
  // Backoff: the first retries come after 1 s and 2 s, not on every 0.2 s cycle.
  const tries = (await readFile(attempts, 'utf8')).trim().split('\n').length;
  expect(tries).toBeLessThanOrEqual(5);
  const text = await readFile(file, 'utf8');
  expect(text).toContain('  route 198.51.100.10/32 blackhole {\n    bgp_med = 100;\n  };\n}\n');
  expect(text.endsWith('}\n')).toBe(true);
  run.proc.kill('SIGTERM');
  const outcome = await run;
  expect(outcome.code).toBe(0);
  expect(outcome.lines).toEqual([]);
  expect(await readFile(file, 'utf8')).not.toContain('route ');
}, 30_000);
