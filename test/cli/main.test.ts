// The entry point as shipped: each sub-command run through bin/bgp-healthcheck, to a success and a failure.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SUBCOMMAND_NAMES } from '../../src/cli/main.js';
import { REPO_ROOT, runOurs } from '../support/healthcheck-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bhc-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sub-commands whose runs through the bin live beside other tests of theirs. */
const TESTED_ELSEWHERE: Record<string, string> = {
  ctl: 'test/control/real-process.test.ts',
  nagios: 'test/control/real-process.test.ts',
};
const TESTED_HERE = ['check-config', 'convert'];

describe('bgp-healthcheck sub-commands', () => {
  it('runs every sub-command through the bin in some test', () => {
    expect([...TESTED_HERE, ...Object.keys(TESTED_ELSEWHERE)].sort()).toEqual(
      [...SUBCOMMAND_NAMES].sort(),
    );
    for (const [name, file] of Object.entries(TESTED_ELSEWHERE)) {
      // Its file runs it with runOurs, through a helper named run.
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect(text, file).toContain('runOurs(');
      expect(text, file).toContain(`run('${name}'`);
    }
  });

  it('check-config accepts a valid file, printing its lines, and exits 0', async () => {
    const result = await runOurs(['check-config', join(REPO_ROOT, 'examples/anycast-dns.yaml')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: valid, 1 service\n/);
    expect(result.stdout).toContain(
      '# UP\nannounce route 198.51.100.53/32 next-hop self med 100 community [ 65001:53 ]\n',
    );
  });

  it('check-config refuses an invalid file naming the line, nothing on stdout, exit 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'services:\n  - name: a\n    timing: {rise: many}\n');
    const result = await runOurs(['check-config', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:3: services[0].timing.rise: expected number`);
  });

  it('convert turns a line-format file into YAML that check-config reads to the same lines', async () => {
    const conf = join(dir, 'web.conf');
    writeFileSync(conf, 'command = true\nip = 198.51.100.10\ncommunity = 65000:1\n');
    const converted = await runOurs(['convert', conf]);
    expect(converted.stderr).toBe('');
    expect(converted.code).toBe(0);
    const yaml = join(dir, 'web.yaml');
    writeFileSync(yaml, converted.stdout);
    const linesOf = async (file: string): Promise<string[]> => {
      const checked = await runOurs(['check-config', file]);
      expect(checked.code, checked.stderr).toBe(0);
      return checked.stdout.split('\n').filter((line) => !line.startsWith('# '));
    };
    const lines = await linesOf(conf);
    expect(lines).toContain(
      'announce route 198.51.100.10/32 next-hop self med 100 community [ 65000:1 ]',
    );
    expect(await linesOf(yaml)).toEqual(lines);
  });

  it('convert refuses a file that is already YAML, nothing on stdout, exit 2', async () => {
    const result = await runOurs(['convert', join(REPO_ROOT, 'examples/anycast-dns.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('already a YAML config');
  });
});
