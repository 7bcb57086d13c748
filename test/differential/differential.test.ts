// The same scripted check results fed to ours and to the reference: the lines on stdout must match.
import { chmodSync, existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  referenceAvailable,
  requireTool,
  runHealthcheck,
  type Implementation,
  type RunHooks,
} from '../support/healthcheck-process.js';

const TAPE_CHECK = join(REPO_ROOT, 'test/differential/tape-check.sh');
const enabled = requireTool(referenceAvailable(), "ExaBGP's healthcheck (Debian package exabgp)");
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Scenario {
  /** One step per check run: an exit status, `sleep` (past the timeout) or `term` (SIGTERM). */
  readonly tape: readonly (number | 'sleep' | 'term')[];
  readonly args: readonly string[];
  /** Acts on the world when a given line arrives, before it is acknowledged. */
  readonly onLine?: (line: string, index: number, dir: string) => void;
  readonly ack?: boolean;
  /** A config file (lines) passed with --config. */
  readonly configFile?: readonly string[];
}

interface Result {
  readonly lines: string[];
  readonly code: number | null;
  readonly hookLog: string;
  readonly stderr: string;
}

async function runScenario(impl: Implementation, scenario: Scenario): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), `bhc-diff-${impl}-`));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'tape'), `${scenario.tape.join('\n')}\n`);
  const args = [
    '--no-syslog',
    '--no-ip-setup',
    '--pid',
    join(dir, 'pid'),
    '--command',
    `${TAPE_CHECK} ${dir}`,
    ...scenario.args.map((a) => a.replaceAll('$DIR', dir)),
  ];
  if (scenario.configFile) {
    writeFileSync(
      join(dir, 'hc.conf'),
      scenario.configFile.map((l) => l.replaceAll('$DIR', dir)).join('\n'),
    );
    args.push('--config', join(dir, 'hc.conf'));
  }
  const hooks: RunHooks = {
    onLine: (line, index) => scenario.onLine?.(line, index, dir),
  };
  const outcome = await runHealthcheck({ impl, args, ack: scenario.ack }, hooks);
  const hookLog = existsSync(join(dir, 'hooks')) ? readFileSync(join(dir, 'hooks'), 'utf8') : '';
  return { lines: outcome.lines, code: outcome.code, hookLog, stderr: outcome.stderr };
}

async function both(scenario: Scenario): Promise<{ ours: Result; reference: Result }> {
  const [ours, reference] = await Promise.all([
    runScenario('ours', scenario),
    runScenario('reference', scenario),
  ]);
  return { ours, reference };
}

const FAST = ['--interval', '0.05', '--fast-interval', '0.05'];
const IPS = ['--ip', '198.51.100.10', '--ip', '198.51.100.11/32'];

/**
 * The announcements of each cycle (one line per address of IPS), a cycle that repeats the one
 * before left out: what a change made from outside (a file written when a line arrives) leads to,
 * whichever cycle of a 50 ms interval it lands in.
 */
function changes(lines: readonly string[]): string[][] {
  const cycles: string[][] = [];
  for (let at = 0; at < lines.length; at += 2) {
    const cycle = lines.slice(at, at + 2);
    if (cycle.join('\n') !== cycles.at(-1)?.join('\n')) cycles.push(cycle);
  }
  return cycles;
}

describe.runIf(enabled)('compared with the reference healthcheck', () => {
  it('writes the same lines through rise, up, fall, down and recovery', async () => {
    const { ours, reference } = await both({
      tape: [0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 'term'],
      args: [...FAST, ...IPS, '--next-hop', '192.0.2.10'],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines).toContain('announce route 198.51.100.10/32 next-hop 192.0.2.10 med 1000');
    expect(ours.lines.at(-1)).toBe('withdraw route 198.51.100.11/32 next-hop 192.0.2.10');
    expect(ours.code).toBe(0);
    expect(reference.code).toBe(0);
  });

  it('writes the same attributes: metrics, increase, local-preference, communities, as-path, path-id, neighbors', async () => {
    const { ours, reference } = await both({
      tape: [0, 1, 1, 'term'],
      args: [
        ...FAST,
        ...IPS,
        '--ip',
        '2001:db8::10/128',
        '--rise',
        '1',
        '--fall',
        '2',
        '--up-metric',
        '10',
        '--down-metric',
        '20000',
        '--increase',
        '7',
        '--local-preference',
        '250',
        '--community',
        '65000:1 65000:2',
        '--extended-community',
        'target:65000:100',
        '--large-community',
        '65000:1:2',
        '--as-path',
        '65000 65001',
        '--path-id',
        '3',
        '--neighbor',
        '192.0.2.1',
        '--neighbor',
        '2001:db8::1',
        '-N',
        '192.0.2.10',
      ],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines[0]).toBe(
      'neighbor 192.0.2.1, neighbor 2001:db8::1 announce route 198.51.100.10/32 next-hop 192.0.2.10 med 10 local-preference 250 community [ 65000:1 65000:2 ] extended-community [ target:65000:100 ] large-community [ 65000:1:2 ] as-path [ 65000 65001 ] path-information 3',
    );
  });

  it('uses the per-state as-path and the disabled community in DOWN', async () => {
    const { ours, reference } = await both({
      tape: [0, 1, 'term'],
      args: [
        ...FAST,
        ...IPS,
        '--rise',
        '1',
        '--fall',
        '1',
        '--community',
        '65000:1',
        '--disabled-community',
        '65000:666',
        '--as-path',
        '65000',
        '--up-as-path',
        '65000 65000',
        '--down-as-path',
        '65000 65000 65000',
      ],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines[2]).toContain('community [ 65000:666 ] as-path [ 65000 65000 65000 ]');
  });

  it('withdraws on down with --withdraw-on-down and announces again on recovery', async () => {
    const { ours, reference } = await both({
      tape: [0, 1, 1, 0, 'term'],
      args: [...FAST, ...IPS, '--rise', '1', '--fall', '2', '--withdraw-on-down'],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines.filter((l) => l.startsWith('withdraw')).length).toBeGreaterThan(2);
  });

  it('follows the disable file: disabled metric while it exists, back through INIT when removed', async () => {
    const scenario: Scenario = {
      tape: [0, 0, 0, 0, 0, 0, 0, 0, 'term'],
      args: [
        ...FAST,
        ...IPS,
        '--rise',
        '2',
        '--disable',
        '$DIR/disabled',
        '--disabled-metric',
        '555',
      ],
      onLine: (_line, index, dir) => {
        // After the second UP cycle: disable; after two DISABLED cycles: enable.
        if (index === 3) writeFileSync(join(dir, 'disabled'), '');
        if (index === 7) unlinkSync(join(dir, 'disabled'));
      },
    };
    const { ours, reference } = await both(scenario);
    // The file is written as a line arrives; the next cycle may already have begun.
    expect(changes(ours.lines)).toEqual(changes(reference.lines));
    expect(changes(ours.lines)).toEqual([
      [
        'announce route 198.51.100.10/32 next-hop self med 100',
        'announce route 198.51.100.11/32 next-hop self med 101',
      ],
      [
        'announce route 198.51.100.10/32 next-hop self med 555',
        'announce route 198.51.100.11/32 next-hop self med 556',
      ],
      [
        'announce route 198.51.100.10/32 next-hop self med 100',
        'announce route 198.51.100.11/32 next-hop self med 101',
      ],
      [
        'withdraw route 198.51.100.10/32 next-hop self',
        'withdraw route 198.51.100.11/32 next-hop self',
      ],
    ]);
  });

  it('counts a check past the timeout as failed', async () => {
    const { ours, reference } = await both({
      tape: [0, 'sleep', 0, 'term'],
      args: [...FAST, ...IPS, '--rise', '1', '--fall', '1', '--timeout', '1'],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines[2]).toBe('announce route 198.51.100.10/32 next-hop self med 1000');
  });

  it('runs the hooks of each transition with STATE set, in the same order', async () => {
    const hook = (name: string) => `echo ${name}:$STATE >> $DIR/hooks`;
    const { ours, reference } = await both({
      tape: [0, 0, 1, 1, 0, 'term'],
      args: [
        ...FAST,
        ...IPS,
        '--rise',
        '2',
        '--fall',
        '2',
        '--execute',
        hook('any'),
        '--execute',
        hook('any2'),
        '--up-execute',
        hook('up'),
        '--down-execute',
        hook('down'),
      ],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.hookLog).toBe(reference.hookLog);
    expect(ours.hookLog).toContain('up:UP\nany:UP\nany2:UP\n');
  });

  it('announces once and exits with --interval 0', async () => {
    const { ours, reference } = await both({
      tape: [0, 0, 0],
      args: ['--interval', '0', '--fast-interval', '0.05', ...IPS],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines).toHaveLength(2);
    expect(ours.code).toBe(0);
  });

  it('deaggregates networks and rotates the list with --start-ip', async () => {
    const { ours, reference } = await both({
      tape: [0, 'term'],
      args: [
        ...FAST,
        '--ip',
        '198.51.100.16/30',
        '--deaggregate-networks',
        '--start-ip',
        '1',
        '--rise',
        '1',
      ],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines[0]).toBe('announce route 198.51.100.17/32 next-hop self med 100');
  });

  it('reads options from a config file, the command line overriding single values and adding to lists', async () => {
    const { ours, reference } = await both({
      tape: [0, 'term'],
      configFile: [
        '# a comment',
        '',
        'rise = 1',
        'up-metric = 42',
        'ip = 198.51.100.10',
        '  community =  65000:7  ',
        'withdraw-on-down',
      ],
      args: [...FAST, '--ip', '198.51.100.11', '--up-metric', '43'],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines[0]).toBe(
      'announce route 198.51.100.10/32 next-hop self med 43 community [ 65000:7 ]',
    );
  });

  it('reads the 4.2 prefixes --a and --deb as the reference does, though added options share them', async () => {
    const { ours, reference } = await both({
      tape: [0, 'term'],
      args: [...FAST, ...IPS, '--rise', '1', '--a', '65000 65001', '--deb', '--up-m', '7'],
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines[0]).toBe(
      'announce route 198.51.100.10/32 next-hop self med 7 as-path [ 65000 65001 ]',
    );
    expect(ours.code).toBe(0);
  });

  it('refuses a prefix ambiguous in 4.2 as the reference does: exit 2, nothing on stdout', async () => {
    const { ours, reference } = await both({ tape: [0], args: [...FAST, ...IPS, '--de'] });
    for (const result of [ours, reference]) {
      expect(result.code).toBe(2);
      expect(result.lines).toEqual([]);
      expect(result.stderr).toMatch(
        /ambiguous option: --de could match --debug, --deaggregate-networks/,
      );
    }
  });

  it('writes the same lines without acks under --no-ack', async () => {
    const { ours, reference } = await both({
      tape: [0, 1, 'term'],
      args: [...FAST, ...IPS, '--rise', '1', '--fall', '1', '--no-ack'],
      ack: false,
    });
    expect(ours.lines).toEqual(reference.lines);
    expect(ours.lines).toHaveLength(6);
  });
});

describe.runIf(enabled)(
  'where we deliberately differ from the reference (COMPAT.md "better")',
  () => {
    it('rejects a community that would inject a second API line, where the reference emits it', async () => {
      const injected = ['--community', '1:1\nannounce route 0.0.0.0/0 next-hop self'];
      const { ours, reference } = await both({
        tape: [0, 'term'],
        args: [...FAST, ...IPS, '--rise', '1', ...injected],
      });
      expect(reference.lines).toContain('announce route 0.0.0.0/0 next-hop self ]');
      expect(ours.lines).toEqual([]);
      expect(ours.code).toBe(2);
      expect(ours.stderr).toContain('--community');
    });

    it('rejects a malformed value with exit status 2 before writing anything', async () => {
      const ours = await runScenario('ours', { tape: [0], args: ['--interval', 'soon', ...IPS] });
      expect(ours.code).toBe(2);
      expect(ours.lines).toEqual([]);
      expect(ours.stderr).toMatch(/--interval.*soon/);
    });

    it('withdraws every prefix on SIGTERM while waiting for an ack, and exits 0', async () => {
      const ours = await runScenario('ours', {
        tape: [0, 0, 0, 0, 0],
        args: [...FAST, ...IPS, '--rise', '1'],
        onLine: (_line, index, dir) => {
          if (index === 2) process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8')), 'SIGTERM');
        },
      });
      expect(ours.code).toBe(0);
      expect(ours.lines.slice(-2)).toEqual([
        'withdraw route 198.51.100.10/32 next-hop self',
        'withdraw route 198.51.100.11/32 next-hop self',
      ]);
      expect(ours.lines.filter((l) => l.startsWith('withdraw'))).toHaveLength(2);
    });
  },
);
