// Config paths that are not regular files (FIFO, device, directory) are refused at once, never waited on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotRegularFileError, readRegularFile } from '../../src/host/regular-file.js';
import { runHealthcheck } from '../support/healthcheck-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bhc-regular-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'hc.conf');
const yamlFifo = join(dir, 'services.yaml');
execFileSync('mkfifo', [fifo, yamlFifo]);

describe('readRegularFile', () => {
  it('reads a regular file', () => {
    const file = join(dir, 'plain.conf');
    writeFileSync(file, 'name = web\n');
    expect(readRegularFile(file)).toBe('name = web\n');
  });

  it.each([
    [fifo, 'a FIFO'],
    ['/dev/null', 'a character device'],
    [dir, 'a directory'],
  ])('refuses %s as %s without opening it for good', (path, kind) => {
    expect(() => readRegularFile(path)).toThrow(NotRegularFileError);
    expect(() => readRegularFile(path)).toThrow(`not a regular file (${kind})`);
  });

  it('passes on the errno of a missing file', () => {
    expect(() => readRegularFile(join(dir, 'absent'))).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });
});

describe('bgp-healthcheck given a FIFO, a device or a directory as a config path', () => {
  // A bound on the whole run: before the fix, reading the FIFO blocked forever.
  const run = (args: string[]) => runHealthcheck({ impl: 'ours', args, timeoutMs: 10_000 });

  it.each([
    [['check-config', fifo], `${fifo}: FILE: cannot read '${fifo}': not a regular file (a FIFO)`],
    [['check-config', yamlFifo], `cannot read '${yamlFifo}': not a regular file (a FIFO)`],
    [['convert', fifo], `${fifo}: FILE: cannot read '${fifo}': not a regular file (a FIFO)`],
    [
      ['--no-syslog', '--config', fifo],
      `bgp-healthcheck: error: --config: cannot read '${fifo}': not a regular file (a FIFO)`,
    ],
    [
      ['--no-syslog', '--config', yamlFifo],
      `--config: cannot read '${yamlFifo}': not a regular file (a FIFO)`,
    ],
    [
      ['--no-syslog', '--config', '/dev/zero'],
      "--config: cannot read '/dev/zero': not a regular file (a character device)",
    ],
    [['check-config', dir], `cannot read '${dir}': not a regular file (a directory)`],
  ])('%j exits 2 at once, naming the path, with nothing on stdout', async (args, message) => {
    const outcome = await run(args);
    expect(outcome.code).toBe(2);
    expect(outcome.lines).toEqual([]);
    expect(outcome.stderr).toContain(message);
  });
});
