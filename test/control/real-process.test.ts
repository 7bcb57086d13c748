// `ctl` and `nagios` as shipped (bin/bgp-healthcheck) against the real process, over its real control socket.
import type { ProcessStatus } from '../../src/runtime/control.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, requireTool, runHealthcheck, runOurs } from '../support/healthcheck-process.js';
import { tempDir, waitFor } from './fake-target.js';

const built = existsSync(path.join(REPO_ROOT, 'dist', 'bundle', 'main.js'));
const runnable = requireTool(built, 'the built CLI (dist/bundle, from npm run build)');

async function run(
  subcommand: 'ctl' | 'nagios',
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runOurs([subcommand, ...args]);
  return { code, out: stdout, err: stderr };
}

interface Started {
  readonly run: ReturnType<typeof runHealthcheck>;
  /** Every line written to stdout so far (each one acknowledged as ExaBGP would). */
  readonly lines: string[];
}

(runnable ? describe : describe.skip)('ctl against the real process', () => {
  let tmp: ReturnType<typeof tempDir>;
  let socket: string;
  let stateFile: string;
  let started: Started[];

  const start = (extra: string[] = []): Started => {
    const lines: string[] = [];
    const run = runHealthcheck(
      {
        impl: 'ours',
        args: [
          '--name',
          'itest',
          '--ip',
          '198.51.100.10/32',
          '--no-ip-setup',
          '--cmd',
          'true',
          '--interval',
          '1',
          '--rise',
          '1',
          '--fall',
          '1',
          '--no-syslog',
          '--ctl-socket',
          socket,
          '--maintenance-file',
          stateFile,
          ...extra,
        ],
        timeoutMs: 60_000,
      },
      { onLine: (line) => void lines.push(line) },
    );
    run.catch(() => {});
    const handle = { run, lines };
    started.push(handle);
    return handle;
  };

  const ctl = (...args: string[]) => run('ctl', ['--socket', socket, ...args]);

  const stateIs = (state: string) => async () => {
    const { code, out } = await ctl('status');
    return code === 0 && new RegExp(`^itest\\s+${state}\\s`, 'm').test(out);
  };

  beforeEach(() => {
    tmp = tempDir('real');
    socket = path.join(tmp.dir, 'itest.sock');
    stateFile = path.join(tmp.dir, 'state', 'itest.maintenance.json');
    started = [];
  });

  afterEach(async () => {
    for (const { run } of started) {
      if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
      await run.catch(() => {});
    }
    tmp.remove();
  });

  it('answers every verb and keeps maintenance across a restart', async () => {
    const first = start();
    await waitFor(stateIs('UP'), 15_000);
    expect(await run('nagios', ['--socket', socket])).toMatchObject({ code: 0 });

    const disabled = await ctl('disable', 'itest', '--reason', 'kernel upgrade');
    expect(disabled.code).toBe(0);
    await waitFor(stateIs('DISABLED'), 10_000);
    expect((await ctl('status')).out).toMatch(/^itest\s+DISABLED\s.*kernel upgrade/m);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      services: { itest: { reason: 'kernel upgrade' } },
    });
    // DISABLED is announced with the disabled metric.
    await waitFor(
      () => first.run.proc.exitCode === null && first.lines.some((l) => l.includes('med 500')),
      10_000,
    );
    expect((await run('nagios', ['--socket', socket])).code).toBe(1);

    expect((await ctl('check', 'itest')).code).toBe(0);
    expect((await ctl('reload')).code).toBe(0);
    const unknown = await ctl('enable', 'nothere');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("unknown service 'nothere'");

    first.run.proc.kill('SIGTERM');
    await first.run;
    expect(existsSync(socket)).toBe(false);
    expect((await ctl('status')).code).toBe(3);

    start();
    await waitFor(stateIs('DISABLED'), 15_000);
    expect((await ctl('status')).out).toMatch(/kernel upgrade/);
    expect((await ctl('enable', 'itest')).code).toBe(0);
    await waitFor(stateIs('UP'), 15_000);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ services: {} });
  });

  it('drains: disabled attributes first, then the withdraw, then DRAINED until enable', async () => {
    const proc = start(['--drain-time', '1']);
    await waitFor(stateIs('UP'), 15_000);
    const before = proc.lines.length;
    expect((await ctl('drain', 'itest')).code).toBe(0);
    await waitFor(stateIs('DRAINED'), 10_000);
    const after = proc.lines.slice(before);
    const disabledAt = after.findIndex((l) => l.includes('med 500'));
    const withdrawAt = after.findIndex((l) => l.startsWith('withdraw route 198.51.100.10/32'));
    expect(disabledAt).toBeGreaterThanOrEqual(0);
    expect(withdrawAt).toBeGreaterThan(disabledAt);
    // The checks go on while drained, and nothing is announced until enable.
    const drained = proc.lines.length;
    await waitFor(async () => {
      const { out } = await ctl('--json', 'status');
      const service = (JSON.parse(out) as { value: ProcessStatus }).value.services[0];
      return service?.lastCheck !== null && (service?.lastCheck?.at ?? 0) > Date.now() - 500;
    }, 10_000);
    expect(proc.lines.slice(drained).filter((l) => l.startsWith('announce'))).toEqual([]);
    expect((await ctl('drain', 'itest')).err).toContain('itest is already drained');
    expect((await ctl('enable', 'itest')).code).toBe(0);
    await waitFor(stateIs('UP'), 10_000);
    await waitFor(() => proc.lines.at(-1)?.includes('med 100') === true, 10_000);
  });

  it('holds a DOWN service in maintenance at its DOWN attributes, not the better disabled ones', async () => {
    const proc = start(['--cmd', 'false']);
    await waitFor(stateIs('DOWN'), 15_000);
    const before = proc.lines.length;
    expect((await ctl('disable', 'itest', '--reason', 'repair')).code).toBe(0);
    await waitFor(stateIs('DISABLED'), 10_000);
    await waitFor(() => proc.lines.length > before + 1, 10_000);
    expect(proc.lines.slice(before).filter((l) => !l.includes('med 1000'))).toEqual([]);
  });

  it('keeps a drained service withdrawn through SIGTERM', async () => {
    const proc = start(['--drain-time', '5']);
    await waitFor(stateIs('UP'), 15_000);
    expect((await ctl('drain', 'itest')).code).toBe(0);
    await waitFor(stateIs('DRAINED'), 15_000);
    const drained = proc.lines.length;
    proc.run.proc.kill('SIGTERM');
    const outcome = await proc.run;
    expect(outcome.code).toBe(0);
    expect(proc.lines.slice(drained).filter((l) => l.startsWith('announce'))).toEqual([]);
  });

  it('withdraws at once on a drain without a drain time', async () => {
    const proc = start();
    await waitFor(stateIs('UP'), 15_000);
    const before = proc.lines.length;
    expect((await ctl('drain', 'itest')).code).toBe(0);
    await waitFor(stateIs('DRAINED'), 10_000);
    const after = proc.lines.slice(before);
    expect(after.some((l) => l.includes('med 500'))).toBe(false);
    expect(after).toContain('withdraw route 198.51.100.10/32 next-hop self');
  });

  it('refuses a second process on the same socket', async () => {
    start();
    await waitFor(stateIs('UP'), 15_000);
    const outcome = await start().run;
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr).toMatch(/another instance is already listening/);
    expect(outcome.lines).toEqual([]);
    expect((await ctl('status')).code).toBe(0);
  });
});
