// The end-to-end scenarios against GoBGP, written once and run with either implementation.
import { afterEach, expect, it } from 'vitest';
import type { RibPath } from './harness/gobgp.js';
import type { Implementation } from './harness/healthcheck.js';
import { findPidsByArgument } from './harness/proc.js';
import { startGobgpWorld, type GobgpWorld, type WorldOptions } from './harness/world.js';
import { waitFor } from './harness/wait.js';

export const PREFIX = '198.51.100.10/32';
export const NEXT_HOP = '192.0.2.10';
/** Metrics that differ from the defaults, so the peer proves the configured values arrived. */
export const METRICS = { 'up-metric': 20, 'down-metric': 2000, 'disabled-metric': 700 } as const;

/** The first announcement waits for ExaBGP to start, the session to open and rise checks to pass. */
const FIRST_ROUTE_MS = 25_000;
/** A later change needs at most a few check cycles. */
const CHANGE_MS = 10_000;

export type ScenarioName =
  | 'up'
  | 'down'
  | 'disabled'
  | 'withdraw-on-down'
  | 'ipv6'
  | 'no-ack'
  | 'exabgp-stopped'
  | 'exabgp-stopped-draining'
  | 'exabgp-killed'
  | 'healthcheck-killed'
  | 'all-neighbors';

export const ALL_SCENARIOS: readonly ScenarioName[] = [
  'up',
  'down',
  'disabled',
  'withdraw-on-down',
  'ipv6',
  'no-ack',
  'exabgp-stopped',
  'exabgp-stopped-draining',
  'exabgp-killed',
  'healthcheck-killed',
  'all-neighbors',
];

/** Scenarios of options the reference does not have. */
const OURS_ONLY: readonly ScenarioName[] = ['exabgp-stopped-draining'];

function only(paths: RibPath[], prefix: string): RibPath {
  const matching = paths.filter((path) => path.prefix === prefix);
  if (matching.length !== 1)
    throw new Error(`expected one path for ${prefix}, got ${JSON.stringify(paths)}`);
  return matching[0] as RibPath;
}

/** Waits until the peer holds `prefix` with the given MED, and returns that path. */
export function waitForMed(
  world: GobgpWorld,
  prefix: string,
  med: number,
  timeoutMs = CHANGE_MS,
): Promise<RibPath> {
  const family = prefix.includes(':') ? 'ipv6' : 'ipv4';
  return waitFor(
    async () => {
      const path = only(await world.gobgp.rib(family, prefix), prefix);
      return path.med === med ? path : Promise.reject(new Error(`path ${JSON.stringify(path)}`));
    },
    { timeoutMs, what: `${prefix} with MED ${med} in GoBGP's RIB` },
  );
}

export function waitForAbsent(
  world: GobgpWorld,
  prefix: string,
  timeoutMs = CHANGE_MS,
): Promise<true> {
  const family = prefix.includes(':') ? 'ipv6' : 'ipv4';
  return waitFor(
    async () => {
      const paths = (await world.gobgp.rib(family)).filter((path) => path.prefix === prefix);
      return paths.length === 0
        ? true
        : Promise.reject(new Error(`still there: ${JSON.stringify(paths)}`));
    },
    { timeoutMs, what: `${prefix} gone from GoBGP's RIB` },
  );
}

/** Our process, found by the one argument no other process has: its config file's path. */
export function healthcheckPids(world: GobgpWorld): number[] {
  return findPidsByArgument(world.configFile);
}

/** Registers the scenarios as tests that run `implementation` as ExaBGP's process. */
export function defineGobgpScenarios(
  implementation: Implementation,
  selection: readonly ScenarioName[] = ALL_SCENARIOS,
  /** Options every scenario adds (another ExaBGP, `api-version`), under the scenario's own. */
  extra: Partial<Omit<WorldOptions, 'implementation'>> = {},
): void {
  const worlds: GobgpWorld[] = [];
  afterEach(async () => {
    await Promise.all(worlds.splice(0).map((world) => world.stop()));
  });

  async function world(
    tag: string,
    options: Omit<WorldOptions, 'implementation'>,
  ): Promise<GobgpWorld> {
    const started = await startGobgpWorld(`${implementation}-${tag}`, {
      implementation,
      ...extra,
      ...options,
      healthcheck: { ...extra.healthcheck, ...options.healthcheck },
    });
    worlds.push(started);
    return started;
  }

  const scenario = (name: ScenarioName, title: string, body: () => Promise<void>) => {
    if (!selection.includes(name)) return;
    if (implementation === 'reference' && OURS_ONLY.includes(name)) return;
    it(title, body, 60_000);
  };

  scenario(
    'up',
    'announces UP with the up metric, communities, AS path and local preference',
    async () => {
      const w = await world('up', {
        healthcheck: {
          ...METRICS,
          ip: [PREFIX, '198.51.100.11/32'],
          'next-hop': NEXT_HOP,
          community: '65000:1 65000:2',
          'large-community': '65000:7:8',
          'as-path': '65001 65002',
          'local-preference': 200,
        },
      });
      const first = await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
      expect(first).toMatchObject({
        nextHop: NEXT_HOP,
        localPref: 200,
        asPath: [65001, 65002],
        communities: ['65000:1', '65000:2'],
        largeCommunities: ['65000:7:8'],
      });
      // The second address gets the metric plus --increase (1).
      const second = await waitForMed(w, '198.51.100.11/32', 21);
      expect(second.nextHop).toBe(NEXT_HOP);
    },
  );

  scenario('down', 'announces the down metric once the check has failed fall times', async () => {
    const w = await world('down', {
      healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP },
    });
    await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
    await w.check.setHealthy(false);
    const down = await waitForMed(w, PREFIX, 2000);
    expect(down.nextHop).toBe(NEXT_HOP);
    await w.check.setHealthy(true);
    await waitForMed(w, PREFIX, 20);
  });

  scenario(
    'disabled',
    'announces the disabled metric and community while the disable file exists',
    async () => {
      const w = await world('disabled', {
        healthcheck: {
          ...METRICS,
          ip: PREFIX,
          'next-hop': NEXT_HOP,
          community: '65000:1',
          'disabled-community': '65000:666',
        },
      });
      await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
      await w.check.setDisabled(true);
      const disabled = await waitForMed(w, PREFIX, 700);
      expect(disabled.communities).toEqual(['65000:666']);
      await w.check.setDisabled(false);
      const back = await waitForMed(w, PREFIX, 20);
      expect(back.communities).toEqual(['65000:1']);
    },
  );

  scenario(
    'withdraw-on-down',
    'withdraws the route when DOWN and announces it again on recovery',
    async () => {
      const w = await world('wod', {
        healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP, 'withdraw-on-down': true },
      });
      await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
      await w.check.setHealthy(false);
      await waitForAbsent(w, PREFIX);
      await w.check.setHealthy(true);
      await waitForMed(w, PREFIX, 20);
    },
  );

  scenario('ipv6', 'announces an IPv6 prefix with an IPv6 next-hop', async () => {
    const w = await world('ipv6', {
      healthcheck: { ...METRICS, ip: '2001:db8::10/128', 'next-hop': '2001:db8::1' },
    });
    const path = await waitForMed(w, '2001:db8::10/128', 20, FIRST_ROUTE_MS);
    expect(path.nextHop).toBe('2001:db8::1');
    await w.check.setHealthy(false);
    await waitForMed(w, '2001:db8::10/128', 2000);
  });

  scenario('no-ack', 'works with exabgp.api.ack=false and --no-ack', async () => {
    const w = await world('noack', {
      ack: false,
      healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP, 'no-ack': true },
    });
    await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
    await w.check.setHealthy(false);
    await waitForMed(w, PREFIX, 2000);
    await w.check.setHealthy(true);
    await waitForMed(w, PREFIX, 20);
  });

  scenario(
    'exabgp-stopped',
    'leaves neither routes nor an orphan behind when ExaBGP is stopped',
    async () => {
      const w = await world('stopped', {
        healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP },
      });
      await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
      expect(healthcheckPids(w)).toHaveLength(1);
      await w.supervisor.stop(w.exabgp.daemon, 'SIGTERM');
      await waitForAbsent(w, PREFIX);
      await waitFor(() => healthcheckPids(w).length === 0 || undefined, {
        timeoutMs: CHANGE_MS,
        what: 'the healthcheck process to exit after ExaBGP stopped',
      });
    },
  );

  scenario(
    'exabgp-stopped-draining',
    'skips its drain and exits at once when ExaBGP itself is stopped',
    async () => {
      // A drain far longer than the wait below: only a skipped drain lets the process go in time.
      const w = await world('stopdrain', {
        healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP, 'drain-time': 60 },
      });
      await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
      expect(healthcheckPids(w)).toHaveLength(1);
      // ExaBGP waits for its processes to exit: give it all the time a drain would need.
      const stopping = w.supervisor.stop(w.exabgp.daemon, 'SIGTERM', 90_000);
      await waitFor(() => healthcheckPids(w).length === 0 || undefined, {
        timeoutMs: CHANGE_MS,
        what: 'the healthcheck process to exit without its 60 s drain after ExaBGP stopped',
      });
      await stopping;
      await waitForAbsent(w, PREFIX);
    },
  );

  scenario('exabgp-killed', 'exits when ExaBGP is killed with SIGKILL (no orphan)', async () => {
    const w = await world('exakill', {
      healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP },
    });
    await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
    expect(healthcheckPids(w)).toHaveLength(1);
    // Only ExaBGP itself: our process lives in a process group of its own.
    process.kill(w.exabgp.daemon.pid, 'SIGKILL');
    await w.exabgp.daemon.exited;
    await waitForAbsent(w, PREFIX);
    await waitFor(() => healthcheckPids(w).length === 0 || undefined, {
      timeoutMs: CHANGE_MS,
      what: 'the orphaned healthcheck process to exit',
    });
  });

  scenario(
    'healthcheck-killed',
    'is respawned by ExaBGP after SIGKILL and keeps steering the route',
    async () => {
      const w = await world('respawn', {
        healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP },
      });
      await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
      const [first] = healthcheckPids(w);
      expect(first).toBeTypeOf('number');
      process.kill(first as number, 'SIGKILL');
      const second = await waitFor(() => healthcheckPids(w).find((pid) => pid !== first), {
        timeoutMs: CHANGE_MS,
        what: 'ExaBGP to start the healthcheck again',
      });
      expect(second).not.toBe(first);
      // The new process, not a leftover route, must be the one answering to the check.
      await w.check.setHealthy(false);
      await waitForMed(w, PREFIX, 2000);
      await w.check.setHealthy(true);
      await waitForMed(w, PREFIX, 20);
    },
  );

  // ExaBGP 5's "every neighbor" (the reference 4.2 healthcheck refuses it: ours only).
  if (implementation === 'ours') {
    scenario(
      'all-neighbors',
      "announces to every neighbor with --neighbor '*' and follows the check",
      async () => {
        const w = await world('all', {
          healthcheck: { ...METRICS, ip: PREFIX, 'next-hop': NEXT_HOP, neighbor: '*' },
        });
        await waitForMed(w, PREFIX, 20, FIRST_ROUTE_MS);
        await w.check.setHealthy(false);
        await waitForMed(w, PREFIX, 2000);
      },
    );
  }
}
