// The spawn floor's script runs and gives a row per way of starting a command, each with its cost.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../bench/spawn-floor.js', import.meta.url));

describe('node bench/spawn-floor.js', () => {
  it('gives the shell loop floor and a node spawn row per size, with a cost per command', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [SCRIPT, '--runs', '5', '--ballast', '0,16'],
      { timeout: 60_000 },
    );
    expect(stdout).toMatch(/^spawn floor: 5 runs .* load [\d.]+ [\d.]+ [\d.]+$/m);
    expect(stdout).toMatch(
      /^\| a shell loop \(the floor\) \| ~2 MB \| \d+\.\d\d \| - \| \d+\.\d\d \|$/m,
    );
    expect(stdout).toMatch(/^\| node spawn, pipes, 0 MB kept \| \d+ MB( \| \d+\.\d\d){3} \|$/m);
    expect(stdout).toMatch(/^\| node spawn, pipes, 16 MB kept \| \d+ MB( \| \d+\.\d\d){3} \|$/m);
  }, 90_000);
});
