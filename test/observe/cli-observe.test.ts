// The real CLI with --metrics-listen: metrics, /status and the page follow a service that goes down.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessStatus } from '../../src/runtime/control.js';
import { freePort } from '../e2e/harness/ports.js';
import { OUR_COMMAND, REPO_ROOT, requireTool } from '../support/healthcheck-process.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function get(port: number, path: string): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** Polls until `read` gives a value `done` accepts, or the deadline passes. */
async function pollFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function startCli(args: string[]): { child: ChildProcessWithoutNullStreams; lines: string[] } {
  const [command, ...base] = OUR_COMMAND;
  const child = spawn(command!, [...base, ...args], { stdio: 'pipe' });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      // Answer as ExaBGP does, one ack per line.
      child.stdin.write('done\n');
    }
  });
  child.stdin.on('error', () => {});
  child.stderr.resume();
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, lines };
}

describe('bgp-healthcheck --metrics-listen', () => {
  it('serves metrics and status that follow the service going down, and passes promtool', async (context) => {
    if (!existsSync(join(REPO_ROOT, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run npm run build');
    const dir = mkdtempSync(join(tmpdir(), `observe-cli-${process.pid}-`));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const flag = join(dir, 'healthy');
    writeFileSync(flag, '');
    const port = await freePort();
    const { child, lines } = startCli([
      '--name',
      'web',
      '--cmd',
      `test -e ${flag}`,
      '--ip',
      '192.0.2.1/32',
      '--no-ip-setup',
      '--no-syslog',
      '--interval',
      '1',
      '--fast-interval',
      '1',
      '--rise',
      '1',
      '--fall',
      '2',
      '--metrics-listen',
      `127.0.0.1:${port}`,
    ]);

    const status = async () => {
      const answer = await get(port, '/status');
      return answer?.status === 200 ? (JSON.parse(answer.body) as ProcessStatus) : null;
    };
    const stateOf = (s: ProcessStatus | null) => s?.services.find((x) => x.name === 'web')?.state;

    const first = (
      await pollFor(
        () => get(port, '/metrics'),
        (a) => a?.status === 200,
      )
    )?.body;
    // The series an alert counts on exist before anything happened, at 0.
    expect(first).toContain(
      'bgp_healthcheck_transitions_total{service="web",from="UP",to="FALLING"} 0',
    );
    expect(first).toContain(
      `bgp_healthcheck_check_failures_total{service="web",check="command test -e ${flag}",reason="exit"} 0`,
    );
    expect(first).toContain(
      'bgp_healthcheck_route_announced{service="web",prefix="192.0.2.1/32",neighbor="*"}',
    );
    expect(first).toMatch(/bgp_healthcheck_build_info\{version="[^"]+",nodejs="[^"]+"\} 1/);

    const up = await pollFor(status, (s) => stateOf(s) === 'UP');
    expect(stateOf(up)).toBe('UP');
    expect(up?.pid).toBe(child.pid);
    const upMetrics = (await get(port, '/metrics'))?.body ?? '';
    expect(upMetrics).toContain('bgp_healthcheck_service_state{service="web",state="UP"} 1');
    expect(upMetrics).toContain('bgp_healthcheck_service_announced{service="web"} 1');
    expect(upMetrics).toMatch(/bgp_healthcheck_exabgp_acks_total\{answer="done"\} [1-9]/);

    rmSync(flag);
    // DOWN is entered before its lines are written and acknowledged: wait for both.
    const down = await pollFor(
      status,
      (s) =>
        stateOf(s) === 'DOWN' &&
        s?.services.find((x) => x.name === 'web')?.announced?.target === 'DOWN',
    );
    const web = down?.services.find((x) => x.name === 'web');
    expect(web?.state).toBe('DOWN');
    expect(web?.lastCheck?.ok).toBe(false);
    expect(web?.transitions.map((t) => `${t.from}>${t.to}`).slice(-2)).toEqual([
      'UP>FALLING',
      'FALLING>DOWN',
    ]);
    // The status may be read before this side has read the line from the pipe: wait for it.
    const last = await pollFor(
      () => Promise.resolve(lines.at(-1)),
      (line) => line === web?.announced?.lines[0],
    );
    expect(web?.announced?.lines).toEqual([last]);

    const metrics = (await get(port, '/metrics'))?.body ?? '';
    expect(metrics).toContain('bgp_healthcheck_service_state{service="web",state="DOWN"} 1');
    expect(metrics).toContain(
      'bgp_healthcheck_transitions_total{service="web",from="FALLING",to="DOWN"} 1',
    );
    expect(metrics).toMatch(
      /bgp_healthcheck_check_failures_total\{service="web",check="[^"]+",reason="exit"\} [2-9]\n/,
    );
    expect(metrics).toContain(
      'bgp_healthcheck_route_med{service="web",prefix="192.0.2.1/32",neighbor="*"} 1000',
    );
    // Two failures made it DOWN; a third may have run since.
    expect(metrics).toMatch(
      /bgp_healthcheck_checks_total\{service="web",result="failed"\} [2-9]\n/,
    );
    const page = await get(port, '/');
    expect(page?.body).toContain('<span class="badge" data-state="DOWN">DOWN</span>');

    const promtool = spawnSync('promtool', ['--version']);
    if (
      requireTool(
        promtool.error === undefined && promtool.status === 0,
        'promtool (Debian package prometheus)',
      )
    ) {
      const lint = spawnSync('promtool', ['check', 'metrics'], {
        input: metrics,
        encoding: 'utf8',
      });
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
      expect(lint.status).toBe(0);
    } else {
      context.skip();
    }

    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await get(port, '/status')).toBeNull();
  });
});
