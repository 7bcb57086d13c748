// `ctl` and `nagios` as shipped (bin/bgp-healthcheck) against the real process, over its real control socket.
import type { ProcessStatus } from '../../src/runtime/control.js';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OUR_COMMAND,
  REPO_ROOT,
  requireTool,
  runHealthcheck,
  runOurs,
} from '../support/healthcheck-process.js';
import { toolPath } from '../e2e/harness/tools.js';
import { closedPort } from '../support/servers.js';
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

  const start = (extra: string[] = [], command?: readonly string[]): Started => {
    const lines: string[] = [];
    const run = runHealthcheck(
      {
        impl: 'ours',
        ...(command ? { command } : {}),
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

  it('makes its socket and maintenance directories usable under ExaBGP’s umask, without overriding permissions', async () => {
    // ExaBGP starts its processes with umask 0137: a directory made with it has no search bit, so
    // a user (or root without CAP_DAC_OVERRIDE) could neither bind the socket nor save maintenance.
    socket = path.join(tmp.dir, 'run', 'bgp-healthcheck', 'itest.sock');
    stateFile = path.join(tmp.dir, 'lib', 'itest.maintenance.json');
    const underUmask = ['sh', '-c', 'umask 137; exec "$@"', 'sh', ...OUR_COMMAND];
    const setpriv = toolPath('setpriv');
    const asRoot = process.getuid?.() === 0;
    if (asRoot && !requireTool(setpriv !== null, 'setpriv (util-linux)')) return;
    start(
      [],
      asRoot
        ? [setpriv!, '--bounding-set', '-dac_override,-dac_read_search', '--', ...underUmask]
        : underUmask,
    );
    await waitFor(stateIs('UP'), 15_000);
    expect((await ctl('disable', 'itest', '--reason', 'umask')).code).toBe(0);
    await waitFor(stateIs('DISABLED'), 10_000);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      services: { itest: { reason: 'umask' } },
    });
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o755);
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

  it('reports the version it runs in status --json, as --version says it', async () => {
    start();
    await waitFor(stateIs('UP'), 15_000);
    const shown = await runOurs(['--version']);
    const { out } = await ctl('--json', 'status');
    const { value } = JSON.parse(out) as { value: ProcessStatus };
    expect(value.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(shown.stdout).toBe(`bgp-healthcheck ${value.version}\n`);
  });

  it('refuses a second process on the same socket, saying so once', async () => {
    start();
    await waitFor(stateIs('UP'), 15_000);
    const outcome = await start().run;
    expect(outcome.code).not.toBe(0);
    expect(outcome.stderr.match(/another instance is already listening/g)).toHaveLength(1);
    expect(outcome.lines).toEqual([]);
    expect((await ctl('status')).code).toBe(0);
  });
});

(runnable ? describe : describe.skip)(
  'bgp-healthcheck ctl, the command, against the real process running a YAML config',
  () => {
    let tmp: ReturnType<typeof tempDir>;
    let socket: string;
    let daemon: ReturnType<typeof runHealthcheck>;
    let port: number;

    const ctl = async (...args: string[]) => {
      const outcome = await runHealthcheck({
        impl: 'ours',
        args: ['ctl', '--socket', socket, ...args],
      });
      return {
        code: outcome.code,
        out: outcome.lines.map((l) => `${l}\n`).join(''),
        err: outcome.stderr,
      };
    };

    beforeEach(async () => {
      tmp = tempDir('bin');
      socket = path.join(tmp.dir, 'hc.sock');
      port = await closedPort();
      const config = path.join(tmp.dir, 'services.yaml');
      writeFileSync(
        config,
        [
          'services:',
          '  - name: web',
          '    routes: {prefixes: [198.51.100.20], ip-setup: false}',
          '    timing: {interval: 1, rise: 1, fall: 1}',
          '    checks:',
          `      - {type: tcp, host: 127.0.0.1, port: ${port}}`,
          '      - {type: command, command: "true"}',
          '  - name: db',
          '    routes: {prefixes: [198.51.100.21], ip-setup: false}',
          '    timing: {interval: 1, rise: 1, fall: 1}',
          `control: {socket: ${socket}}`,
          '',
        ].join('\n'),
      );
      daemon = runHealthcheck({
        impl: 'ours',
        args: [
          '--no-syslog',
          '--config',
          config,
          '--maintenance-file',
          path.join(tmp.dir, 'm.json'),
        ],
        timeoutMs: 60_000,
      });
      daemon.catch(() => {});
      await waitFor(async () => {
        const { code, out } = await ctl('status');
        return code === 0 && /^db\s+UP\s/m.test(out) && /^web\s+DOWN\s/m.test(out);
      }, 15_000);
    });

    afterEach(async () => {
      if (daemon.proc.exitCode === null && daemon.proc.signalCode === null)
        daemon.proc.kill('SIGKILL');
      await daemon.catch(() => {});
      tmp.remove();
    });

    it('reload says "reloaded" once, followed by what changed', async () => {
      expect(await ctl('reload')).toEqual({
        code: 0,
        out: 'reloaded: 0 added, 0 removed, 0 changed, 2 unchanged\n',
        err: '',
      });
    });

    it('check says why each check failed once, in its own row', async () => {
      const { code, out, err } = await ctl('check', 'web');
      expect({ code, err }).toEqual({ code: 1, err: '' });
      const refused = `connect ECONNREFUSED 127.0.0.1:${port}`;
      expect(out.split(refused)).toHaveLength(2);
      expect(out).toMatch(
        new RegExp(
          `^web: failed \\(\\d+ ms\\)\\n  tcp 127\\.0\\.0\\.1:${port}\\s+failed\\s+\\d+ ms\\s+${refused}\\n  command true\\s+ok\\s+\\d+ ms\\n$`,
        ),
      );
      const db = await ctl('check', 'db');
      expect(db.code).toBe(0);
      expect(db.out).toMatch(/^db: ok \(\d+ ms\)\n$/);
    });

    it('disable, enable and drain confirm in one line each; an unknown service names the known ones', async () => {
      const disabled = await ctl('disable', 'db', '--reason', 'kernel upgrade');
      expect({ code: disabled.code, err: disabled.err }).toEqual({ code: 0, err: '' });
      expect(disabled.out).toMatch(/^db: disabled by \S.*: kernel upgrade\n$/);
      expect(await ctl('enable', 'db')).toEqual({ code: 0, out: 'db: enabled\n', err: '' });
      expect(await ctl('drain', 'db')).toEqual({ code: 0, out: 'db: drained\n', err: '' });
      expect(await ctl('drain', 'db')).toEqual({
        code: 1,
        out: '',
        err: 'bgp-healthcheck ctl: drain failed: db is already drained\n',
      });
      expect(await ctl('drain', '--all')).toEqual({
        code: 0,
        out: 'web: drained\ndb: already drained\n',
        err: '',
      });
      expect(await ctl('enable', 'nothere')).toEqual({
        code: 1,
        out: '',
        err: "bgp-healthcheck ctl: enable failed: unknown service 'nothere' (known: web, db)\n",
      });
    });

    it.each([
      ['NEL', '\u0085'],
      ['LINE SEPARATOR', '\u2028'],
      ['PARAGRAPH SEPARATOR', '\u2029'],
      ['ESC', '\u001b'],
    ])(
      'refuses a reason with %s: exit 2 from the command, and a raw request stores nothing',
      async (_what, char) => {
        const reason = `kernel${char}upgrade`;
        const refused = await ctl('disable', 'db', '--reason', reason);
        expect(refused.code).toBe(2);
        expect(refused.out).toBe('');
        expect(refused.err).toMatch(
          /^bgp-healthcheck ctl: --reason must not contain control or line-breaking characters \(found U\+[0-9A-F]{4}\)\n/,
        );

        const raw = await rawRequest(
          socket,
          JSON.stringify({ op: 'disable', service: 'db', reason, by: 'raw' }),
        );
        expect(raw).toMatch(
          /^\{"ok":false,"error":"invalid request: reason: reason must not contain control or line-breaking characters/,
        );
        const { out } = await ctl('status');
        expect(out).toMatch(/^db\s+UP\s.*\s-$/m);
      },
    );
  },
);

/** Sends one line on the control socket as any program could, and returns the answer line. */
function rawRequest(socketPath: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(socketPath);
    let answer = '';
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${line}\n`));
    conn.on('data', (chunk: string) => {
      answer += chunk;
      const nl = answer.indexOf('\n');
      if (nl !== -1) {
        conn.end();
        resolve(answer.slice(0, nl));
      }
    });
    conn.on('error', reject);
  });
}
