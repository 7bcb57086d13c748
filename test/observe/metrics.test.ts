// The Prometheus metrics, driven by the runtime's observer calls; values read back from the registry.
import { SERVICE_STATES } from '../../src/core/route-target.js';
import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import { Metrics } from '../../src/observe/metrics.js';
import { bringDown, bringUp, failingReport, linesFor, passingReport } from './events.js';

type Labels = Record<string, string>;

/** One sample's value; a histogram's `_bucket`, `_sum` and `_count` samples are found by their name. */
async function value(
  metrics: Metrics,
  name: string,
  labels: Labels = {},
): Promise<number | undefined> {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const metric = metrics.registry.getSingleMetric(name) ?? metrics.registry.getSingleMetric(base);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === name &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Labels)[k]) === want),
  );
  return found?.value;
}

async function series(metrics: Metrics, name: string): Promise<Labels[]> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map((v) => v.labels as Labels);
}

function metrics(services = ['web']) {
  const clock = { t: 1_700_000_000_000 };
  return { m: new Metrics({ now: () => clock.t, processMetrics: false, services }), clock };
}

const stateOf = async (m: Metrics, service: string) => {
  const states: Record<string, number | undefined> = {};
  for (const state of SERVICE_STATES) {
    states[state] = await value(m, 'bgp_healthcheck_service_state', { service, state });
  }
  return states;
};

describe('Metrics', () => {
  it('starts a service in INIT, not announced, with zero counts and its start as last transition', async () => {
    const { m, clock } = metrics();
    expect(await stateOf(m, 'web')).toEqual({
      INIT: 1,
      DISABLED: 0,
      RISING: 0,
      FALLING: 0,
      UP: 0,
      DOWN: 0,
      DRAINING: 0,
      DRAINED: 0,
    });
    expect(await value(m, 'bgp_healthcheck_service_announced', { service: 'web' })).toBe(0);
    expect(await value(m, 'bgp_healthcheck_checks_total', { service: 'web', result: 'ok' })).toBe(
      0,
    );
    expect(
      await value(m, 'bgp_healthcheck_checks_total', { service: 'web', result: 'failed' }),
    ).toBe(0);
    expect(
      await value(m, 'bgp_healthcheck_last_transition_timestamp_seconds', { service: 'web' }),
    ).toBe(clock.t / 1000);
  });

  it('sets the DOWN gauge and counts each transition after UP → FALLING → DOWN', async () => {
    const { m, clock } = metrics();
    bringUp(m, 'web');
    clock.t += 30_000;
    bringDown(m, 'web');
    expect(await stateOf(m, 'web')).toEqual({
      INIT: 0,
      DISABLED: 0,
      RISING: 0,
      FALLING: 0,
      UP: 0,
      DOWN: 1,
      DRAINING: 0,
      DRAINED: 0,
    });
    const transitions = (from: string, to: string) =>
      value(m, 'bgp_healthcheck_transitions_total', { service: 'web', from, to });
    expect(await transitions('INIT', 'UP')).toBe(1);
    expect(await transitions('UP', 'FALLING')).toBe(1);
    expect(await transitions('FALLING', 'DOWN')).toBe(1);
    expect(
      await value(m, 'bgp_healthcheck_last_transition_timestamp_seconds', { service: 'web' }),
    ).toBe(clock.t / 1000);
  });

  it('counts checks by result and observes their duration in seconds', async () => {
    const { m } = metrics();
    m.checked('web', passingReport(99), false);
    m.checked('web', failingReport('timeout', 2000), false);
    m.checked('web', failingReport('timeout', 2000), false);
    expect(await value(m, 'bgp_healthcheck_checks_total', { service: 'web', result: 'ok' })).toBe(
      1,
    );
    expect(
      await value(m, 'bgp_healthcheck_checks_total', { service: 'web', result: 'failed' }),
    ).toBe(2);
    expect(await value(m, 'bgp_healthcheck_check_duration_seconds_count', { service: 'web' })).toBe(
      3,
    );
    expect(
      await value(m, 'bgp_healthcheck_check_duration_seconds_sum', { service: 'web' }),
    ).toBeCloseTo(0.1 + 2.001 * 2);
    expect(
      await value(m, 'bgp_healthcheck_check_duration_seconds_bucket', {
        service: 'web',
        le: '0.1',
      }),
    ).toBe(1);
  });

  it('reports each check’s last result and latency', async () => {
    const { m } = metrics();
    m.checked('web', passingReport(25), false);
    expect(await value(m, 'bgp_healthcheck_check_up', { service: 'web', check: 'http' })).toBe(1);
    m.checked('web', failingReport('HTTP 503', 1500), false);
    expect(await value(m, 'bgp_healthcheck_check_up', { service: 'web', check: 'http' })).toBe(0);
    expect(
      await value(m, 'bgp_healthcheck_check_latency_seconds', { service: 'web', check: 'http' }),
    ).toBe(1.5);
  });

  it('does not count the made-up report of a disabled cycle as a check', async () => {
    const { m } = metrics();
    m.checked('web', { ok: true, reason: 'disabled', durationMs: 0, checks: [] }, true);
    expect(await value(m, 'bgp_healthcheck_checks_total', { service: 'web', result: 'ok' })).toBe(
      0,
    );
  });

  it('says routes are announced for UP and DOWN with MED, and not when DOWN withdraws or on exit', async () => {
    const { m } = metrics();
    const announced = () => value(m, 'bgp_healthcheck_service_announced', { service: 'web' });
    m.announced('web', 'UP', linesFor('UP'));
    expect(await announced()).toBe(1);
    m.announced('web', 'DOWN', linesFor('DOWN', false));
    expect(await announced()).toBe(1);
    m.announced('web', 'DOWN', linesFor('DOWN', true));
    expect(await announced()).toBe(0);
    m.announced('web', 'UP', [
      'neighbor 192.0.2.9 announce route 192.0.2.1/32 next-hop self med 100',
    ]);
    expect(await announced()).toBe(1);
    m.announced('web', 'EXIT', ['neighbor 192.0.2.9 withdraw route 192.0.2.1/32 next-hop self']);
    expect(await announced()).toBe(0);
  });

  it('says per prefix and neighbor what is announced now and at which MED', async () => {
    const { m } = metrics([]);
    m.addService({ name: 'web', routes: [{ prefix: '192.0.2.1/32', neighbor: '*' }] });
    const route = { service: 'web', prefix: '192.0.2.1/32', neighbor: '*' };
    expect(await value(m, 'bgp_healthcheck_route_announced', route)).toBe(0);
    expect(await value(m, 'bgp_healthcheck_route_med', route)).toBeUndefined();
    m.announced('web', 'UP', linesFor('UP'));
    expect(await value(m, 'bgp_healthcheck_route_announced', route)).toBe(1);
    expect(await value(m, 'bgp_healthcheck_route_med', route)).toBe(100);
    m.announced('web', 'DOWN', linesFor('DOWN'));
    expect(await value(m, 'bgp_healthcheck_route_med', route)).toBe(1000);
    m.announced('web', 'UP', [
      'neighbor 192.0.2.8, neighbor 192.0.2.9 announce route 192.0.2.1/32 next-hop self med 100',
    ]);
    for (const neighbor of ['192.0.2.8', '192.0.2.9'])
      expect(await value(m, 'bgp_healthcheck_route_med', { ...route, neighbor })).toBe(100);
    m.announced('web', 'EXIT', linesFor('EXIT'));
    expect(await value(m, 'bgp_healthcheck_route_announced', route)).toBe(0);
    expect(await value(m, 'bgp_healthcheck_route_med', route)).toBeUndefined();
    expect(
      await value(m, 'bgp_healthcheck_route_updates_total', { service: 'web', action: 'announce' }),
    ).toBe(4);
    expect(
      await value(m, 'bgp_healthcheck_route_updates_total', { service: 'web', action: 'withdraw' }),
    ).toBe(1);
  });

  it('has every counter series at 0 from the start, each transition and failure cause included', async () => {
    const { m } = metrics([]);
    m.addService({ name: 'web', checks: [{ name: 'http' }] });
    const transitions = await series(m, 'bgp_healthcheck_transitions_total');
    expect(transitions).toHaveLength(8 * 7);
    expect(
      await value(m, 'bgp_healthcheck_transitions_total', {
        service: 'web',
        from: 'UP',
        to: 'DOWN',
      }),
    ).toBe(0);
    const failures = await series(m, 'bgp_healthcheck_check_failures_total');
    expect(failures.map((l) => l.reason).sort()).toEqual(
      ['body', 'error', 'exit', 'rcode', 'refused', 'status', 'timeout'].sort(),
    );
    for (const action of ['announce', 'withdraw'])
      expect(
        await value(m, 'bgp_healthcheck_route_updates_total', { service: 'web', action }),
      ).toBe(0);
  });

  it('counts check failures by cause', async () => {
    const { m } = metrics();
    m.checked('web', failingReport('HTTP 503'), false);
    m.checked('web', failingReport('timeout after 2 s'), false);
    m.checked('web', failingReport('connect ECONNREFUSED 127.0.0.1:1'), false);
    m.checked('web', failingReport('HTTP 502'), false);
    const count = (reason: string) =>
      value(m, 'bgp_healthcheck_check_failures_total', { service: 'web', check: 'http', reason });
    expect(await count('status')).toBe(2);
    expect(await count('timeout')).toBe(1);
    expect(await count('refused')).toBe(1);
    expect(await count('error')).toBe(0);
  });

  it('drops check_up while the service is disabled, and brings it back with the next check', async () => {
    const { m } = metrics();
    m.checked('web', passingReport(), false);
    expect(await value(m, 'bgp_healthcheck_check_up', { service: 'web', check: 'http' })).toBe(1);
    m.checked('web', passingReport(), true);
    expect(await series(m, 'bgp_healthcheck_check_up')).toEqual([]);
    m.checked('web', failingReport(), false);
    expect(await value(m, 'bgp_healthcheck_check_up', { service: 'web', check: 'http' })).toBe(0);
  });

  it('reports a drained service as drained until it leaves DRAINED', async () => {
    const { m } = metrics();
    expect(await value(m, 'bgp_healthcheck_drained', { service: 'web' })).toBe(0);
    m.transitioned('web', 'UP', 'DRAINING', 'ctl drain');
    expect(await value(m, 'bgp_healthcheck_drained', { service: 'web' })).toBe(0);
    m.transitioned('web', 'DRAINING', 'DRAINED', 'drain finished');
    expect(await value(m, 'bgp_healthcheck_drained', { service: 'web' })).toBe(1);
    expect((await stateOf(m, 'web')).DRAINED).toBe(1);
    m.transitioned('web', 'DRAINED', 'UP', 'enabled');
    expect(await value(m, 'bgp_healthcheck_drained', { service: 'web' })).toBe(0);
  });

  it('reports maintenance, the last configuration load and the build', async () => {
    const { m, clock } = metrics();
    expect(await value(m, 'bgp_healthcheck_maintenance', { service: 'web' })).toBe(0);
    m.setMaintenance('web', true);
    expect(await value(m, 'bgp_healthcheck_maintenance', { service: 'web' })).toBe(1);
    expect(await value(m, 'bgp_healthcheck_config_reload_success')).toBe(1);
    expect(await value(m, 'bgp_healthcheck_config_reload_success_timestamp_seconds')).toBe(
      clock.t / 1000,
    );
    clock.t += 60_000;
    m.configLoaded(false);
    expect(await value(m, 'bgp_healthcheck_config_reload_success')).toBe(0);
    expect(await value(m, 'bgp_healthcheck_config_reload_success_timestamp_seconds')).toBe(
      (clock.t - 60_000) / 1000,
    );
    expect(await series(m, 'bgp_healthcheck_build_info')).toEqual([
      { version: 'unknown', nodejs: process.versions.node },
    ]);
  });

  it('counts ExaBGP acks by answer, and timeouts on their own', async () => {
    const { m } = metrics();
    m.ackObserved('done');
    m.ackObserved('done');
    m.ackObserved('error');
    m.ackObserved('timeout');
    expect(await value(m, 'bgp_healthcheck_exabgp_acks_total', { answer: 'done' })).toBe(2);
    expect(await value(m, 'bgp_healthcheck_exabgp_acks_total', { answer: 'error' })).toBe(1);
    expect(await value(m, 'bgp_healthcheck_exabgp_acks_total', { answer: 'timeout' })).toBe(1);
    expect(await value(m, 'bgp_healthcheck_exabgp_ack_timeouts_total')).toBe(1);
  });

  it('drops every series of a removed service and ignores its late events', async () => {
    const { m } = metrics(['web', 'dns']);
    bringUp(m, 'web');
    bringDown(m, 'web');
    m.removeService('web');
    m.announced('web', 'EXIT', linesFor('EXIT'));
    m.transitioned('web', 'DOWN', 'UP', 'late');
    const text = await m.render();
    expect(text).not.toContain('service="web"');
    expect(text).toContain('bgp_healthcheck_service_state{service="dns",state="INIT"} 1');
    expect(await series(m, 'bgp_healthcheck_check_up')).toEqual([]);
  });

  it('names every speaker that applies route sets in the help of its counter', async () => {
    const { m } = metrics();
    const help = /# HELP bgp_healthcheck_speaker_applies_total (.*)/.exec(
      await m.registry.metrics(),
    );
    for (const speaker of ['BIRD', 'GoBGP', 'FRR']) expect(help?.[1]).toContain(speaker);
  });

  it('escapes service names in the exposition text', async () => {
    const { m } = metrics(['a"b\\c']);
    expect(await m.render()).toContain('bgp_healthcheck_service_announced{service="a\\"b\\\\c"} 0');
  });

  it('keeps its series out of the global registry and can include process metrics', async () => {
    const m = new Metrics({ services: ['web'] });
    expect(globalRegistry.getSingleMetric('bgp_healthcheck_service_state')).toBeUndefined();
    const text = await m.render();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).not.toMatch(/^nodejs_active_handles_total/m);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
