// What the healthcheck process writes on stderr: few lines for a service that stays down, in the format asked.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE } from '../../src/cli/run-healthcheck.js';
import { runHealthcheck, waitFor } from '../support/healthcheck-process.js';

const base = ['--no-syslog', '--no-ip-setup', '--ip', '198.51.100.1', '--name', 'web'];

/** Runs until `cycles` lines were written (one per check cycle), then stops it with SIGTERM. */
async function runCycles(args: string[], cycles: number) {
  const running = runHealthcheck({ impl: 'ours', args, timeoutMs: 30_000 });
  await waitFor(
    () => (running.lines.length >= cycles ? true : undefined),
    `${cycles} cycles`,
    20_000,
  );
  running.proc.kill('SIGTERM');
  return running;
}

describe('bgp-healthcheck logs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bhc-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('logs a check that fails every cycle a few times per state, not once per cycle', async () => {
    const args = [...base, '--interval', '0.05', '--fast-interval', '0.05', '--fall', '2'];
    const outcome = await runCycles([...args, '--cmd', 'exit 3'], 40);
    const lines = outcome.stderr.split('\n').filter(Boolean);
    expect(outcome.lines.length).toBeGreaterThanOrEqual(40);
    expect(lines.filter((l) => /check failed/.test(l))).toHaveLength(1);
    // Start-up, the failure, INIT -> FALLING, FALLING -> DOWN, the stop: no line per cycle.
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(lines.every((l) => /^\S+Z (INFO|WARNING)\[web\] /.test(l))).toBe(true);
  });

  it('writes one JSON object per event with the service, the state, the previous state and the reason', async () => {
    const args = [...base, '--interval', '0.05', '--fall', '1', '--log-format', 'json'];
    const outcome = await runCycles([...args, '--cmd', 'exit 3'], 3);
    const events = outcome.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.find((e) => e.event === 'transition')).toMatchObject({
      level: 'info',
      service: 'web',
      state: 'DOWN',
      previous: 'INIT',
      reason: 'command exit 3: exit status 3',
    });
    expect(events.find((e) => e.event === 'check_failed')).toMatchObject({
      service: 'web',
      check: 'command exit 3',
      reason: 'command exit 3: exit status 3',
    });
    expect(events.every((e) => typeof e.time === 'string' && e.service === 'web')).toBe(true);
  });

  it('takes log.format from the YAML file, in logfmt', async () => {
    const file = join(dir, 'services.yaml');
    writeFileSync(
      file,
      [
        'log: {format: logfmt, summary-interval: 1m}',
        'services:',
        '  - name: db',
        '    routes: {prefixes: [198.51.100.2], ip-setup: false}',
        // Every cycle writes a line, which runCycles counts.
        '    timing: {interval: 0.05, fall: 1, debounce: false}',
        '    checks: [{type: command, command: "exit 1"}]',
        '',
      ].join('\n'),
    );
    const outcome = await runCycles(['--no-syslog', '--config', file], 3);
    expect(outcome.stderr).toMatch(
      /^time=\S+ level=info service=db msg="INIT -> DOWN \(.*\)" event=transition state=DOWN previous=INIT /m,
    );
  });

  it.each([
    [['--log-format', 'xml'], "--log-format: 'xml' is not a log format (text, json, logfmt)"],
    [['--log-summary-interval', 'soon'], '--log-summary-interval: "soon": use a number of seconds'],
  ])(
    'refuses %j with exit status 2, naming the option, nothing on stdout',
    async (extra, message) => {
      const outcome = await runHealthcheck({
        impl: 'ours',
        args: [...base, '--interval', '0', '--cmd', 'true', ...extra],
      });
      expect(outcome.code).toBe(EXIT_USAGE);
      expect(outcome.lines).toEqual([]);
      expect(outcome.stderr).toContain(message);
    },
  );
});
