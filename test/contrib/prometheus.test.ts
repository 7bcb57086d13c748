// The shipped alerts and dashboard against a real Prometheus scraping a fleet of real processes.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePorts } from '../e2e/harness/ports.js';
import { Supervisor } from '../e2e/harness/processes.js';
import { makeTempDir, removeTempDir } from '../e2e/harness/tempdir.js';
import { describeWhen } from '../e2e/harness/tools.js';
import { waitFor } from '../e2e/harness/wait.js';
import { OUR_BIN, runHealthcheck } from '../support/healthcheck-process.js';

const ALERTS = fileURLToPath(new URL('../../contrib/prometheus/alerts.yml', import.meta.url));
const ALERT_TESTS = fileURLToPath(new URL('alerts.rules-test.yml', import.meta.url));
const DASHBOARD = fileURLToPath(
  new URL('../../contrib/grafana/bgp-healthcheck.json', import.meta.url),
);

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}
interface Dashboard {
  readonly panels: readonly { title: string; targets: readonly { expr: string }[] }[];
  readonly templating: { list: readonly { name: string; type: string; definition?: string }[] };
}
interface Rule {
  readonly name: string;
  readonly query: string;
}

/** A dashboard query as Grafana sends it with every variable at "All". */
function asSent(expr: string): string {
  return expr.replaceAll('$__rate_interval', '30s').replace(/\$(job|instance|service)\b/g, '.*');
}

/** `label_values(SELECTOR, LABEL)`, the variables' query, as the PromQL that lists the values. */
function labelValuesQuery(definition: string): string {
  const match = /^label_values\((.*), (\w+)\)$/.exec(definition);
  if (!match) throw new Error(`not a label_values query: ${definition}`);
  return `count by (${match[2]}) (${asSent(match[1]!)})`;
}

describeWhen('contrib alerts and dashboard', { tools: ['prometheus', 'promtool'] }, () => {
  const supervisor = new Supervisor();
  const fleet: ReturnType<typeof runHealthcheck>[] = [];
  let dir = '';
  let prometheusPort = 0;

  async function query(promql: string): Promise<Sample[]> {
    const url = `http://127.0.0.1:${prometheusPort}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const answer = (await (await fetch(url)).json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: Sample[] };
    };
    if (answer.status !== 'success') throw new Error(`${promql}: ${answer.error}`);
    return answer.data?.result ?? [];
  }

  /** Polls until `promql` gives samples that `accept` takes; fails naming the last answer. */
  function samplesOf(promql: string, accept = (s: Sample[]) => s.length > 0): Promise<Sample[]> {
    return waitFor(
      async () => {
        const samples = await query(promql);
        if (!accept(samples))
          throw new Error(`got ${JSON.stringify(samples.map((s) => s.metric))}`);
        return samples;
      },
      { what: promql, timeoutMs: 40_000, intervalMs: 250 },
    );
  }

  beforeAll(async () => {
    dir = await makeTempDir('prometheus');
    supervisor.sweep(dir);
    const [lb1, lb2, lb3, gone, prom] = await freePorts(5);
    prometheusPort = prom!;
    // lb1: web UP. lb3: up, but its ExaBGP never acknowledges anything.
    const web = (port: number | undefined, ack: boolean, extra: string[] = []) =>
      runHealthcheck({
        impl: 'ours',
        ack,
        timeoutMs: 180_000,
        args: ['--no-syslog', '--no-ip-setup', '--name', 'web', '--cmd', 'true'].concat(
          ['--ip', '192.0.2.1/32', '--rise', '1', '--interval', '0.5'],
          ['--metrics-listen', `127.0.0.1:${port}`, ...extra],
        ),
      });
    fleet.push(web(lb1, true), web(lb3, false, ['--ack-timeout', '0.2']));
    // lb2: web DOWN, dns put in maintenance (its prefix has no healthy host left), flappy flapping,
    // and a reload that is refused.
    const flip = join(dir, 'flip');
    const services = join(dir, 'lb2.yaml');
    const service = (name: string, prefix: string, command: string, interval = 0.5) =>
      [
        `  - name: ${name}`,
        `    routes: {prefixes: [${prefix}], ip-setup: false}`,
        `    timing: {interval: ${interval}, fast-interval: ${interval}, rise: 1, fall: 1}`,
        `    checks: [{type: command, command: '${command}'}]`,
      ].join('\n');
    writeFileSync(
      services,
      [
        `metrics: {listen: "127.0.0.1:${lb2}"}`,
        `control: {socket: ${join(dir, 'lb2.sock')}}`,
        'services:',
        service('web', '192.0.2.1/32', 'false'),
        service('dns', '192.0.2.53/32', 'true'),
        service(
          'flappy',
          '192.0.2.99/32',
          `if [ -e ${flip} ]; then rm ${flip}; exit 1; fi; touch ${flip}`,
          0.2,
        ),
        '',
      ].join('\n'),
    );
    const lb2Process = runHealthcheck({
      impl: 'ours',
      timeoutMs: 180_000,
      env: { STATE_DIRECTORY: dir },
      args: ['--no-syslog', '--config', services],
    });
    fleet.push(lb2Process);

    const config = join(dir, 'prometheus.yml');
    const target = (port: number | undefined, instance: string) =>
      `      - targets: ['127.0.0.1:${port}']\n        labels: {instance: ${instance}}`;
    writeFileSync(
      config,
      [
        'global: {scrape_interval: 1s, evaluation_interval: 1s}',
        `rule_files: ['${ALERTS}']`,
        'scrape_configs:',
        '  - job_name: bgp-healthcheck',
        '    static_configs:',
        target(lb1, 'lb1'),
        target(lb2, 'lb2'),
        target(lb3, 'lb3'),
        // Nothing listens here: a process that is gone.
        target(gone, 'lb4'),
        '',
      ].join('\n'),
    );
    supervisor.start(
      'prometheus',
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ],
      { logFile: join(dir, 'prometheus.log'), cwd: dir },
    );

    await samplesOf('up{job="bgp-healthcheck"}', (s) => s.length === 4).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${lb2Process.stderrSoFar()}`);
    });
    await samplesOf(
      'bgp_healthcheck_service_state{instance="lb2",service="dns",state="UP"} == 1',
    ).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${lb2Process.stderrSoFar()}`);
    });
    const ctl = spawnSync(
      process.execPath,
      [OUR_BIN, 'ctl', '--socket', join(dir, 'lb2.sock'), 'disable', 'dns', '--reason', 'test'],
      { encoding: 'utf8' },
    );
    expect(ctl.stderr).toBe('');
    expect(ctl.status).toBe(0);
    writeFileSync(services, 'services: [}\n');
    lb2Process.proc.kill('SIGHUP');
  }, 120_000);

  afterAll(async () => {
    for (const member of fleet) member.proc.kill('SIGTERM');
    await Promise.allSettled(fleet);
    await supervisor.stopAll();
    if (!process.env.KEEP) await removeTempDir(dir);
  });

  it('has alert rules that promtool accepts and whose unit tests pass', () => {
    const check = spawnSync('promtool', ['check', 'rules', ALERTS], { encoding: 'utf8' });
    expect(check.stdout).toContain('SUCCESS: 7 rules found');
    expect(check.status).toBe(0);
    const test = spawnSync('promtool', ['test', 'rules', ALERT_TESTS], { encoding: 'utf8' });
    expect(`${test.stdout}${test.stderr}`).toContain('SUCCESS');
    expect(test.status).toBe(0);
  });

  it('finds each alert’s condition in the fleet, from the service down to the process gone', async () => {
    const rules = await waitFor(
      async () => {
        const url = `http://127.0.0.1:${prometheusPort}/api/v1/rules?type=alert`;
        const answer = (await (await fetch(url)).json()) as {
          data: { groups: { rules: Rule[] }[] };
        };
        return answer.data.groups.flatMap((g) => g.rules);
      },
      { what: 'the alert rules loaded', timeoutMs: 10_000 },
    );
    const expected: Record<string, (s: Sample) => boolean> = {
      BgpHealthcheckServiceDown: (s) => s.metric.instance === 'lb2' && s.metric.service === 'web',
      BgpHealthcheckFlapping: (s) => s.metric.service === 'flappy',
      BgpHealthcheckPrefixDownEverywhere: (s) => s.metric.prefix === '192.0.2.53/32',
      BgpHealthcheckDrainedTooLong: (s) =>
        s.metric.instance === 'lb2' && s.metric.service === 'dns',
      BgpHealthcheckReloadFailed: (s) => s.metric.instance === 'lb2',
      BgpHealthcheckExabgpNotAnswering: (s) => s.metric.instance === 'lb3',
      BgpHealthcheckGone: (s) => s.metric.instance === 'lb4',
    };
    expect(rules.map((r) => r.name).sort()).toEqual(Object.keys(expected).sort());
    for (const rule of rules) {
      const samples = await samplesOf(rule.query, (found) => found.some(expected[rule.name]!));
      // Only the service or host at fault: lb1, healthy, is never named.
      expect(
        samples.filter((s) => s.metric.instance === 'lb1'),
        rule.name,
      ).toEqual([]);
    }
    const healthy = await query(
      'sum by (prefix) (max without (neighbor) (bgp_healthcheck_route_announced) * on (job, instance, service) group_left () bgp_healthcheck_service_state{state="UP"}) == 0',
    );
    expect(healthy.map((s) => s.metric.prefix)).not.toContain('192.0.2.1/32');
  }, 90_000);

  it('answers every dashboard query and variable with data from the fleet', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr] as const));
    expect(exprs.length).toBeGreaterThanOrEqual(12);
    for (const [title, expr] of exprs) {
      const samples = await samplesOf(asSent(expr));
      expect(samples.length, title).toBeGreaterThan(0);
    }
    const variables = dashboard.templating.list.filter((v) => v.type === 'query');
    expect(variables.map((v) => v.name)).toEqual(['job', 'instance', 'service']);
    const values = async (definition: string, label: string) =>
      (await samplesOf(labelValuesQuery(definition))).map((s) => s.metric[label]).sort();
    expect(await values(variables[1]!.definition!, 'instance')).toEqual(['lb1', 'lb2', 'lb3']);
    expect(await values(variables[2]!.definition!, 'service')).toEqual(['dns', 'flappy', 'web']);
  }, 90_000);
});
