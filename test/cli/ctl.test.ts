import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ctlCommand, formatCheck, formatStatus } from '../../src/cli/ctl.js';
import type { CliIo } from '../../src/cli/io.js';
import { startControlServer, type ControlServer } from '../../src/control/server.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ProbeResult } from '../../src/core/probe.js';
import type { CheckPolicy } from '../../src/core/service.js';
import { combine } from '../../src/probes/policy.js';
import { FakeTarget, serviceStatus, tempDir } from '../control/fake-target.js';

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    readFile: () => Promise.reject(new Error('not used')),
    out: () => out,
    err: () => err,
  };
}

describe('ctl', () => {
  let tmp: ReturnType<typeof tempDir>;
  let socketPath: string;
  let target: FakeTarget;
  let server: ControlServer;

  const ctl = async (...args: string[]) => {
    const io = captureIo();
    const code = await ctlCommand(['--socket', socketPath, ...args], io);
    return { code, out: io.out(), err: io.err() };
  };

  beforeEach(async () => {
    tmp = tempDir('ctl');
    socketPath = path.join(tmp.dir, 'ctl.sock');
    target = new FakeTarget([
      serviceStatus('web', 'UP'),
      serviceStatus('dns', 'DISABLED', {
        maintenance: { by: 'alice', reason: 'kernel upgrade', since: 1_700_000_000_000 },
      }),
      serviceStatus('api', 'DOWN'),
    ]);
    server = await startControlServer({ path: socketPath, target, log: silentLogger });
  });

  afterEach(async () => {
    await server.close();
    tmp.remove();
  });

  it('status prints a table with state, last check reason and maintenance', async () => {
    const { code, out } = await ctl('status');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^bgp-healthcheck 0\.1\.0-test, pid 4242, up /);
    expect(lines[1]).toMatch(/^SERVICE\s+STATE\s+SINCE\s+NEXT CHECK\s+LAST CHECK\s+MAINTENANCE$/);
    expect(lines[2]).toMatch(
      /^web\s+UP\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(.+\)\s+-\s+ok \(12 ms\)\s+-$/,
    );
    expect(lines[3]).toMatch(/^dns\s+DISABLED\s+.*HTTP 503\s+alice: kernel upgrade \(.+ ago\)$/);
    expect(lines[4]).toMatch(/^api\s+DOWN\s+.*HTTP 503\s+-$/);
  });

  it('status --json prints the raw response', async () => {
    const { code, out } = await ctl('--json', 'status');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      ok: true,
      value: { pid: 4242, services: [{ name: 'web' }, {}, {}] },
    });
  });

  it('disable sends the reason and the user, and confirms', async () => {
    const { code, out } = await ctl('disable', 'web', '--reason', 'kernel upgrade');
    expect(code).toBe(0);
    expect(out).toMatch(/^web: disabled by .+: kernel upgrade\n$/);
    expect(target.calls.at(-1)).toMatch(/^disable web kernel upgrade \S/);
  });

  it('disable without --reason is a usage error that sends nothing', async () => {
    const { code, err } = await ctl('disable', 'web');
    expect(code).toBe(2);
    expect(err).toMatch(/disable needs --reason TEXT/);
    expect(target.calls).toEqual([]);
  });

  it('enable ends maintenance', async () => {
    const { code, out } = await ctl('enable', 'dns');
    expect(code).toBe(0);
    expect(out).toBe('dns: enabled\n');
    expect(target.calls).toEqual(['enable dns']);
  });

  it('drain waits for the drain and confirms', async () => {
    const { code, out } = await ctl('drain', 'web');
    expect(code).toBe(0);
    expect(out).toBe('web: drained\n');
    expect(target.calls).toEqual(['drain web']);
  });

  it('drain --all drains every service', async () => {
    const { code, out } = await ctl('drain', '--all');
    expect(code).toBe(0);
    expect(out.split('\n').filter(Boolean).sort()).toEqual([
      'api: drained',
      'dns: drained',
      'web: drained',
    ]);
    expect(target.calls.filter((c) => c.startsWith('drain')).sort()).toEqual([
      'drain api',
      'drain dns',
      'drain web',
    ]);
  });

  it('check prints each check and exits 1 when the checks fail', async () => {
    const { code, out } = await ctl('check', 'web');
    expect(code).toBe(1);
    expect(out.split('\n')).toEqual([
      'web: failed (41 ms)',
      '  http  failed  40 ms  HTTP 503',
      '  tcp   ok      1 ms',
      '',
    ]);
  });

  it('check exits 0 when the checks pass', async () => {
    target.checkReport = { ok: true, reason: 'ok', durationMs: 3, checks: [] };
    const { code, out } = await ctl('check', 'web');
    expect(code).toBe(0);
    expect(out).toBe('web: ok (3 ms)\n');
  });

  it('reload prints the summary', async () => {
    const { code, out } = await ctl('reload');
    expect(code).toBe(0);
    expect(out).toBe('reloaded: 1 added, 0 removed, 1 changed\n');
  });

  it('an unknown service is an operation error with exit 1', async () => {
    const { code, err } = await ctl('enable', 'mail');
    expect(code).toBe(1);
    expect(err).toBe(
      "bgp-healthcheck ctl: enable failed: unknown service 'mail' (known: web, dns, api)\n",
    );
  });

  it('an unknown command or option is a usage error with exit 2', async () => {
    expect((await ctl('reboot')).code).toBe(2);
    expect((await ctl('--frobnicate', 'status')).code).toBe(2);
    expect((await ctl()).code).toBe(2);
    expect((await ctl('status', 'extra')).code).toBe(2);
    expect(target.calls).toEqual([]);
  });

  it('exits 3 with "not running" when no daemon listens', async () => {
    const io = captureIo();
    const absent = path.join(tmp.dir, 'absent.sock');
    const code = await ctlCommand(['--socket', absent, 'status'], io);
    expect(code).toBe(3);
    expect(io.err()).toBe(
      `bgp-healthcheck ctl: not running: cannot connect to ${absent} (ENOENT)\n`,
    );
  });
});

describe('ctl status formatting', () => {
  it('shows a drained service by its state and says when there are no services', () => {
    const now = 1_700_000_090_000;
    const status = {
      pid: 1,
      version: '1',
      startedAt: 1_700_000_000_000,
      services: [serviceStatus('web', 'DRAINED')],
    };
    expect(formatStatus(status, now)).toMatch(/\nweb\s+DRAINED\s+.* \(1m30s\)/);
    expect(formatStatus({ ...status, services: [] }, now)).toBe(
      'bgp-healthcheck 1, pid 1, up 1m30s\nno services\n',
    );
  });

  it('shows rise/fall progress, the next check, a skipped check and what each check looks at', () => {
    const now = 1_700_000_090_000;
    const text = formatStatus(
      {
        pid: 1,
        version: '1',
        startedAt: 1_700_000_000_000,
        services: [
          serviceStatus('web', 'RISING', {
            progress: { count: 2, needed: 3 },
            nextCheckAt: now + 800,
            checks: [{ name: 'health', target: 'GET http://127.0.0.1/health' }],
          }),
          serviceStatus('dns', 'DISABLED', { skipped: 'disable file' }),
        ],
      },
      now,
    );
    expect(text).toMatch(/\nweb\s+RISING 2\/3\s+.*\s+in 1s\s+HTTP 503\s+-\n/);
    expect(text).toMatch(/\ndns\s+DISABLED\s+.*\s+-\s+not checked \(disable file\)/);
    expect(text).toContain('checks:\n  web  health  GET http://127.0.0.1/health\n');
  });
});

describe('ctl check formatting', () => {
  const failed = (reason: string): ProbeResult => ({ ok: false, latencyMs: 2, reason });
  const passed: ProbeResult = { ok: true, latencyMs: 2, detail: 'HTTP 200' };

  /** The check report of `results` combined by the real policy, as the daemon builds it. */
  async function checked(policy: CheckPolicy, results: Record<string, ProbeResult>) {
    const checks = Object.entries(results).map(([name, result]) => ({
      name,
      weight: name === 'web' ? 50 : 30,
      probe: () => Promise.resolve(result),
    }));
    const verdict = await combine(checks, policy)(new AbortController().signal);
    if (verdict.ok) throw new Error('expected a failing verdict');
    const report = { ok: false, reason: verdict.reason, durationMs: 7, checks: verdict.results };
    return formatCheck('svc', report).split('\n')[0];
  }

  it('states a failure once: the policy keeps its own words, the rows say why each check failed', async () => {
    const results = { web: failed('HTTP 503'), api: failed('connect ECONNREFUSED'), db: passed };
    expect(await checked({ kind: 'all' }, results)).toBe('svc: failed (7 ms)');
    expect(
      await checked({ kind: 'any' }, { web: failed('HTTP 503'), api: failed('timeout') }),
    ).toBe('svc: failed: every check failed (7 ms)');
    expect(await checked({ kind: 'weighted', threshold: 70 }, results)).toBe(
      'svc: failed: score 30 < 70 (7 ms)',
    );
  });

  it('keeps the whole reason when no row carries it', () => {
    const report = { ok: false, reason: 'probe error: boom', durationMs: 7, checks: [] };
    expect(formatCheck('svc', report)).toBe('svc: failed: probe error: boom (7 ms)\n');
  });
});
