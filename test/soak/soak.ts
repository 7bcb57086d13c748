// The soak and chaos run: one bgp-healthcheck with many services under a real ExaBGP peered with a
// real GoBGP, checks flipping on a seeded schedule while faults are injected, and after every
// event the peer's RIB compared with what the healthcheck decided (see ./oracle.ts).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { runCommand } from '../e2e/harness/exec.js';
import { startExabgp, type Exabgp, type ExabgpOptions } from '../e2e/harness/exabgp.js';
import { startGobgp, type Gobgp, type GobgpOptions } from '../e2e/harness/gobgp.js';
import { OUR_COMMAND } from '../support/healthcheck-process.js';
import { freePorts } from '../e2e/harness/ports.js';
import { countFds, type FdCount } from './fds.js';
import { findPidsByArgument, isAlive } from '../e2e/harness/proc.js';
import { Supervisor } from '../e2e/harness/processes.js';
import { makeTempDir, removeTempDir } from '../e2e/harness/tempdir.js';
import { LOCAL_AS, SPEAKER_ADDRESS } from '../e2e/harness/world.js';
import {
  judge,
  ribDifferences,
  ribOf,
  routesOf,
  type Announcement,
  type HeldRoute,
  type ReportedService,
  type SoakRoutes,
} from './oracle.js';
import { passes, Targets, type CheckKind, type Mode } from './targets.js';

export interface SoakOptions {
  readonly services: number;
  readonly minutes: number;
  readonly seed: number;
  /** Progress lines (one per event); the summary is returned. */
  readonly log: (line: string) => void;
}

/** The timing every soak service runs with, in seconds. */
export const TIMING = { interval: 1, fastInterval: 0.5, timeout: 2, rise: 2, fall: 2, drain: 1 };

export type EventKind =
  | 'start'
  | 'flip'
  | 'hang'
  | 'flood'
  | 'stall'
  | 'disable'
  | 'enable'
  | 'drain'
  | 'reload'
  | 'exabgp-restart'
  | 'gobgp-restart';

/** One cycle of the schedule holds every kind once (flips five times), in a seeded order. */
const CYCLE: readonly EventKind[] = [
  'flip',
  'flip',
  'flip',
  'flip',
  'flip',
  'hang',
  'flood',
  'stall',
  'disable',
  'enable',
  'drain',
  'reload',
  'exabgp-restart',
  'gobgp-restart',
];

/** Every kind of event the schedule injects, sorted. */
export const EVENT_KINDS: readonly EventKind[] = [...new Set(CYCLE)].sort();

/**
 * The time after an event within which the peer must hold what the healthcheck decided, in ms:
 * interval + (fall−1)·fast-interval + 1 s for a change of health; a check that hangs or a target
 * that stalls is decided at its timeout, on each of the `fall` checks; operator requests act at once (a
 * drain after its drain time); a restart of either daemon adds the time the BGP session took to
 * come back, and ExaBGP's restart starts our process afresh, whose services must rise again
 * (their starts spread over the first interval).
 */
export function convergenceBound(kind: EventKind, sessionMs: number): number {
  const { interval, fastInterval, timeout, fall, rise, drain } = TIMING;
  const health = (interval + (Math.max(rise, fall) - 1) * fastInterval) * 1000;
  switch (kind) {
    case 'flip':
    case 'flood':
    case 'reload':
      return health + 1000;
    case 'hang':
    case 'stall':
      // The first check that hangs starts within an interval and fails at its timeout; the next
      // starts at once (its fast interval has passed), or after the fast interval when longer.
      return (interval + timeout + (fall - 1) * Math.max(fastInterval, timeout)) * 1000 + 1000;
    case 'disable':
    case 'enable':
      return 1000;
    case 'drain':
      return drain * 1000 + 1000;
    case 'start':
    case 'exabgp-restart':
      // Our process starts afresh: more than 32 services start spread over the first interval.
      return sessionMs + interval * 1000 + health + 1000;
    case 'gobgp-restart':
      return sessionMs + 1000;
  }
}

/** How long the soak waits for the BGP session to return after a restart, in ms. */
const SESSION_WAIT_MS = 90_000;

/** A small seeded generator (mulberry32): the same seed gives the same schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The services an event touched, whose convergence it waits for; all of them after a restart. */
type Scope = ReadonlySet<string> | 'all';

interface SoakService {
  readonly name: string;
  readonly kind: CheckKind;
  readonly routes: SoakRoutes;
  /** Pool services come and go with reloads; base services stay and take operator requests. */
  readonly pool: boolean;
  maintenance: boolean;
  drained: boolean;
}

export interface ProcessSample {
  readonly pid: number;
  readonly rssKb: number;
  /** Every open file, and apart from it those the process holds for its life (see ./fds.ts). */
  readonly fds: FdCount;
  readonly at: number;
  /** CPU ticks so far: the process's own, its reaped children's (the checks), the whole machine's. */
  readonly cpu?: CpuTicks;
}

export interface CpuTicks {
  readonly self: number;
  readonly children: number;
  /** Busy and total ticks of every core together, from /proc/stat. */
  readonly machineBusy: number;
  readonly machineTotal: number;
}

/** The process's CPU ticks (/proc/PID/stat: utime stime cutime cstime) next to the machine's. */
export function cpuTicks(statLine: string, procStat: string): CpuTicks | null {
  const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  // Counted from the state field (3rd in proc(5)): utime is the 14th field, so index 11 here.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  const cpu = /^cpu\s+(.*)$/m.exec(procStat)?.[1]?.trim().split(/\s+/).map(Number);
  if (
    cpu === undefined ||
    cpu.length < 5 ||
    [utime, stime, cutime, cstime].some((n) => !Number.isFinite(n))
  )
    return null;
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const machineTotal = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const machineBusy = machineTotal - (cpu[3] ?? 0) - (cpu[4] ?? 0);
  return { self: utime! + stime!, children: cutime! + cstime!, machineBusy, machineTotal };
}

export interface SoakSummary {
  readonly services: number;
  readonly seed: number;
  readonly minutes: number;
  readonly events: number;
  readonly eventsByKind: Record<string, number>;
  readonly stateChanges: number;
  readonly settleChecks: number;
  readonly mismatches: number;
  readonly mismatchDetails: string[];
  /** Events that converged, but later than their bound. */
  readonly late: number;
  /** Events after which the peer did not hold what was decided within the bound and 30 s more. */
  readonly unconverged: number;
  readonly unconvergedDetails: string[];
  /** Every converged event's time from injection to the peer's agreement, by kind, in ms. */
  readonly convergeMs: Record<string, number[]>;
  /** The longest time from injection to the healthcheck's decision, by kind, in ms. */
  readonly decisionMs: Record<string, number>;
  /** The 1-minute load average at each event's end: the machine the numbers were taken on. */
  readonly loads: number[];
  /**
   * The longest event-loop delay of our process between two settle checks, in ms, one per settle check
   * (prom-client's `nodejs_eventloop_lag_max_seconds`, reset at every scrape): a starved loop
   * shows here before it shows as a late decision.
   */
  readonly loopLagMs: number[];
  readonly boundMs: Record<string, number>;
  readonly start: ProcessSample | null;
  readonly end: ProcessSample | null;
  /** The first and last sample of the process that lived longest (restarts start a new one). */
  readonly longest: { first: ProcessSample; last: ProcessSample } | null;
  readonly leaked: number;
  readonly leakedDetails: string[];
}

function prefixesOf(index: number): string[] {
  const a = `198.18.${index >> 8}.${index & 255}/32`;
  return index % 10 === 3 ? [a, `198.19.${index >> 8}.${index & 255}/32`] : [a];
}

function routesFor(index: number): SoakRoutes {
  // Every seventh service prefers its disabled attributes to its down ones (disabled MED above
  // down MED), so a held service that is down announces DISABLED there and DOWN elsewhere.
  const odd = index % 7 === 5;
  return {
    prefixes: prefixesOf(index),
    upMetric: 10 + (index % 5),
    downMetric: 1010,
    disabledMetric: odd ? 2020 : 510,
    increase: 1,
    communities: [`65000:${index % 100}`],
    disabledCommunities: index % 2 === 0 ? ['65535:0'] : null,
    withdrawOnDown: index % 4 === 0,
  };
}

function serviceYaml(service: SoakService, check: string): string {
  const r = service.routes;
  const attrs = [
    `prefixes: [${r.prefixes.join(', ')}]`,
    'next-hop: 192.0.2.10',
    `up-metric: ${r.upMetric}`,
    `down-metric: ${r.downMetric}`,
    `disabled-metric: ${r.disabledMetric}`,
    `community: [${r.communities.join(', ')}]`,
    ...(r.disabledCommunities ? [`disabled-community: [${r.disabledCommunities.join(', ')}]`] : []),
    ...(r.withdrawOnDown ? ['withdraw-on-down: true'] : []),
    'ip-setup: false',
  ];
  return [
    `  - name: ${service.name}`,
    `    routes: { ${attrs.join(', ')} }`,
    `    checks: [ ${check} ]`,
    `    drain: ${TIMING.drain}s`,
  ].join('\n');
}

/** The state a service settles in, and what it then announces. */
function settled(service: SoakService, mode: Mode): { state: string; announces: Announcement } {
  const healthy = passes(mode);
  const r = service.routes;
  if (service.drained) return { state: 'DRAINED', announces: 'WITHDRAWN' };
  if (service.maintenance) {
    const worse = r.downMetric >= r.disabledMetric ? 'DOWN' : 'DISABLED';
    return { state: 'DISABLED', announces: healthy ? 'DISABLED' : worse };
  }
  return { state: healthy ? 'UP' : 'DOWN', announces: healthy ? 'UP' : 'DOWN' };
}

interface StatusDocument {
  readonly pid: number;
  readonly startedAt: number;
  readonly services: (ReportedService & { transitions: readonly { at: number }[] })[];
}

function sample(pid: number): ProcessSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    const fds = countFds(pid);
    const cpu = cpuTicks(
      readFileSync(`/proc/${pid}/stat`, 'utf8'),
      readFileSync('/proc/stat', 'utf8'),
    );
    return rss === undefined || fds === null
      ? null
      : { pid, rssKb: Number(rss), fds, at: Date.now(), ...(cpu ? { cpu } : {}) };
  } catch {
    return null;
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const dir = await makeTempDir('soak');
  const supervisor = new Supervisor();
  supervisor.sweep(dir);
  const targets = new Targets(dir);
  const poolSize = Math.max(4, Math.round(options.services / 10));
  const all: SoakService[] = [];
  for (let i = 0; i < options.services + poolSize; i++) {
    all.push({
      name: `s${String(i).padStart(4, '0')}`,
      kind: (['command', 'http', 'tcp'] as const)[i % 3] as CheckKind,
      routes: routesFor(i),
      pool: i >= options.services,
      maintenance: false,
      drained: false,
    });
  }
  const byName = new Map(all.map((s) => [s.name, s]));
  const base = all.filter((s) => !s.pool);
  const configured = new Set(base.map((s) => s.name));
  for (const s of all.filter((s) => s.pool)) if (random() < 0.5) configured.add(s.name);

  const eventsByKind: Record<string, number> = {};
  const convergeMs: Record<string, number[]> = {};
  const decisionMs: Record<string, number> = {};
  const loads: number[] = [];
  const loopLagMs: number[] = [];
  const boundMs: Record<string, number> = {};
  const mismatchDetails: string[] = [];
  const leakedDetails: string[] = [];
  const unconvergedDetails: string[] = [];
  let mismatches = 0;
  let late = 0;
  let unconverged = 0;
  let settleChecks = 0;
  let stateChanges = 0;
  let events = 0;
  const samples = new Map<number, { first: ProcessSample; last: ProcessSample; warm: boolean }>();
  let start: ProcessSample | null = null;
  let end: ProcessSample | null = null;
  let leaked = 0;

  const configFile = join(dir, 'services.yaml');
  const socket = join(dir, 'ctl.sock');
  const maintenanceFile = join(dir, 'maintenance.json');
  const [bgpPort = 0, grpcPort = 0, metricsPort = 0] = await freePorts(3);
  const gobgpOptions: GobgpOptions = {
    as: LOCAL_AS,
    routerId: '192.0.2.254',
    port: bgpPort,
    grpcPort,
    listen: ['127.0.0.1'],
    neighbors: [{ address: SPEAKER_ADDRESS, peerAs: LOCAL_AS }],
  };
  const exabgpOptions: ExabgpOptions = {
    peerAddress: '127.0.0.1',
    peerPort: bgpPort,
    localAddress: SPEAKER_ADDRESS,
    localAs: LOCAL_AS,
    peerAs: LOCAL_AS,
    routerId: '192.0.2.253',
    processArgv: [
      ...OUR_COMMAND,
      '--config',
      configFile,
      '--maintenance-file',
      maintenanceFile,
      '--no-syslog',
    ],
  };

  const writeConfig = async () => {
    const blocks: string[] = [];
    for (const s of all) {
      if (!configured.has(s.name)) continue;
      blocks.push(serviceYaml(s, await targets.add(s.name, s.kind)));
    }
    const yaml = [
      'defaults:',
      // debounce: false, every cycle re-announcing every route: the worst case for ExaBGP.
      `  timing: { interval: ${TIMING.interval}s, fast-interval: ${TIMING.fastInterval}s, timeout: ${TIMING.timeout}s, rise: ${TIMING.rise}, fall: ${TIMING.fall}, debounce: false }`,
      `metrics: { listen: "127.0.0.1:${metricsPort}" }`,
      `control: { socket: "${socket}" }`,
      'services:',
      ...blocks,
      '',
    ].join('\n');
    await writeFile(configFile, yaml, { mode: 0o644 });
  };

  const status = async (): Promise<StatusDocument> => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/status`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`/status answered ${response.status}`);
    return (await response.json()) as StatusDocument;
  };

  /** Our process's longest event-loop delay since the last scrape, in ms. */
  const loopLag = async (): Promise<number | null> => {
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    return response.ok ? loopLagOf(await response.text()) : null;
  };

  const peerRib = async (): Promise<{ rib: Map<string, HeldRoute>; doubled: string[] }> =>
    ribOf(await gobgp.rib('ipv4'));

  /** The RIB the soak's own steering calls for once everything has settled. */
  const truthRib = (): Map<string, HeldRoute> => {
    const rib = new Map<string, HeldRoute>();
    for (const name of configured) {
      const s = byName.get(name)!;
      for (const [prefix, route] of routesOf(s.routes, settled(s, targets.mode(name)).announces))
        rib.set(prefix, route);
    }
    return rib;
  };

  /**
   * Why the services an event touched (`scope`) have not converged yet, or undefined once they
   * have (after a start or a restart, see `restored`): first the peer's routes for their
   * prefixes, then (once the peer agrees) their states and decisions in /status. /status is read once the peer
   * agrees, not on every poll: for 200 services it is some 300 KB of JSON that the process under
   * test would otherwise serialise four times a second. Services the event did not touch may flap
   * meanwhile (on a starved machine checks time out): that is the oracle's to judge at the settle
   * check, not this event's time.
   */
  const notConverged = async (
    explain: boolean,
    scope: Scope,
  ): Promise<
    { why: string; document?: undefined } | { why?: undefined; document: StatusDocument }
  > => {
    if (scope === 'all') return restored();
    const touched = (name: string) => scope.has(name);
    const { rib, doubled } = await peerRib();
    const prefixes = new Set([...scope].flatMap((n) => byName.get(n)!.routes.prefixes));
    const ours = (line: string) => prefixes.has(line.split(':')[0]!);
    const twice = doubled.filter(ours);
    if (twice.length > 0) return { why: `prefixes held twice: ${twice.join(', ')}` };
    const ribDiff = ribDifferences(truthRib(), rib).filter(ours);
    if (ribDiff.length > 0) {
      const head = `${ribDiff.length} routes differ: ${ribDiff.slice(0, 3).join('; ')}`;
      if (!explain) return { why: head };
      // Name what the healthcheck says of the first service concerned.
      const prefix = ribDiff[0]!.split(':')[0]!;
      const owner = all.find((x) => x.routes.prefixes.includes(prefix))?.name;
      const said = (await status().catch(() => null))?.services.find((x) => x.name === owner);
      const detail = said
        ? ` (${owner}: ${said.state}, last check: ${said.lastCheck?.reason ?? 'none'})`
        : '';
      return { why: `${head}${detail}` };
    }
    const document = await status();
    const reported = new Set(document.services.map((s) => s.name));
    for (const name of configured)
      if (touched(name) && !reported.has(name)) return { why: `${name} not reported` };
    const services = document.services.filter((s) => touched(s.name));
    for (const s of services) {
      if (!configured.has(s.name)) return { why: `${s.name} reported but not configured` };
      const want = settled(byName.get(s.name)!, targets.mode(s.name));
      if (s.state !== want.state)
        return {
          why: `${s.name}: ${s.state}, expected ${want.state} (last check: ${s.lastCheck?.reason ?? 'none'})`,
        };
    }
    const verdict = judge(services, (name) => byName.get(name)?.routes, rib);
    if (verdict.undecided.length > 0) return { why: verdict.undecided[0]! };
    return { document };
  };

  /**
   * After a start or a restart: whether the peer holds again what the healthcheck decided, every
   * service past INIT. A restart is about the session and the routes coming back; where a starved
   * machine makes some services flap meanwhile, those flaps are not the restart's time.
   */
  const restored = async (): Promise<
    { why: string; document?: undefined } | { why?: undefined; document: StatusDocument }
  > => {
    const document = await status();
    const reported = new Set(document.services.map((s) => s.name));
    for (const name of configured) if (!reported.has(name)) return { why: `${name} not reported` };
    const young = document.services.find((s) => s.state === 'INIT');
    if (young !== undefined) return { why: `${young.name}: INIT` };
    const { rib, doubled } = await peerRib();
    if (doubled.length > 0) return { why: `prefixes held twice: ${doubled.join(', ')}` };
    const verdict = judge(document.services, (name) => byName.get(name)?.routes, rib);
    const problems = [...verdict.undecided, ...verdict.differences];
    if (problems.length > 0)
      return {
        why: `${problems.length} differ from the decisions: ${problems.slice(0, 3).join('; ')}`,
      };
    return { document };
  };

  /** The oracle proper, on a fresh reading: the peer holds what the healthcheck decided. */
  const settleCheck = async (kind: string): Promise<void> => {
    settleChecks++;
    // /status and the RIB are read one after the other: a service that changes in between (one
    // still flapping, when the run did not converge) differs once. A wrong route stays wrong, so
    // a difference counts when three readings a second apart all show one. /status names the
    // last announcement ExaBGP acknowledged: where every difference is a service whose decision
    // is written but not yet acknowledged (ExaBGP lags on a starved machine), the readings go on,
    // up to ten.
    let document: StatusDocument = await status();
    let problems: string[] = [];
    for (let reading = 0; reading < 10; reading++) {
      if (reading > 0) {
        await delay(1000);
        document = await status();
      }
      const { rib, doubled } = await peerRib();
      const verdict = judge(document.services, (name) => byName.get(name)?.routes, rib);
      problems = [
        ...doubled.map((p) => `${p}: held twice`),
        ...verdict.undecided,
        ...verdict.differences,
      ];
      if (problems.length === 0) break;
      const unacknowledged = new Set(verdict.undecided.map((line) => line.split(':')[0]!));
      const owner = (prefix: string) => all.find((x) => x.routes.prefixes.includes(prefix))?.name;
      const inFlight =
        doubled.length === 0 &&
        verdict.differences.every((line) => unacknowledged.has(owner(line.split(':')[0]!) ?? ''));
      if (reading >= 2 && !inFlight) break;
    }
    if (problems.length > 0) {
      mismatches++;
      mismatchDetails.push(`after ${kind}: ${problems.slice(0, 5).join('; ')}`);
      options.log(`MISMATCH after ${kind}: ${problems.slice(0, 5).join('; ')}`);
    }
    countTransitions(document);
    const lag = await loopLag().catch(() => null);
    if (lag !== null) loopLagMs.push(lag);
    const taken = sample(document.pid);
    if (taken !== null) {
      start ??= taken;
      end = taken;
      // A process's life is measured from its first sample a minute after its start (its code
      // compiled, its heap grown to its working size), or from its first one while younger.
      const warm = Date.now() - document.startedAt >= 60_000;
      const life = samples.get(taken.pid);
      if (!life) samples.set(taken.pid, { first: taken, last: taken, warm });
      else if (warm && !life.warm) samples.set(taken.pid, { first: taken, last: taken, warm });
      else life.last = taken;
    }
  };

  /** Counts the transitions not seen before (a restart's process reports its own afresh). */
  const seenUntil = new Map<string, number>();
  const countTransitions = (document: StatusDocument) => {
    for (const s of document.services) {
      const after = seenUntil.get(s.name) ?? 0;
      for (const t of s.transitions) if (t.at > after) stateChanges++;
      seenUntil.set(s.name, Math.max(after, ...s.transitions.map((t) => t.at)));
    }
  };

  /**
   * Waits until the session with ExaBGP is up again; returns how long that took. ExaBGP waits
   * longer between attempts to connect after each lost session (up to a minute): after many
   * restarts of GoBGP its session took over 30 s to return, so the wait allows 90 s.
   */
  const waitSession = async (since: number, deadlineMs: number): Promise<number> => {
    while (Date.now() - since < deadlineMs) {
      const sessions: Record<string, string> = await gobgp.sessions().catch(() => ({}));
      if (sessions[SPEAKER_ADDRESS] === 'established') return Date.now() - since;
      await delay(100);
    }
    return deadlineMs;
  };

  let gobgp: Gobgp;
  let exabgp: Exabgp;
  try {
    await targets.start();
    await writeConfig();
    gobgp = await startGobgp(supervisor, dir, gobgpOptions);
    exabgp = await startExabgp(supervisor, dir, exabgpOptions);

    /**
     * Waits until the services `scope` names have converged after an event injected at `since`:
     * the peer holds what the soak steered (its RIB read every 250 ms, each reading a `gobgp`
     * run) and /status agrees. The time is from the injection to the first reading that agrees;
     * the decision's own time comes from the transitions /status reports.
     */
    const converge = async (kind: EventKind, since: number, sessionMs: number, scope: Scope) => {
      const bound = convergenceBound(kind, sessionMs);
      const deadline = since + bound + 30_000;
      let why: string | undefined = 'not checked yet';
      let document: StatusDocument | undefined;
      // What still differed when the bound passed, to say why an event was late.
      let atBound: string | undefined;
      while (Date.now() < deadline) {
        const explain = atBound === undefined && Date.now() - since > bound;
        const reading = await notConverged(explain, scope).catch((error: Error) => ({
          why: `cannot read: ${error.message}`,
        }));
        why = reading.why;
        if (reading.why === undefined) {
          document = reading.document;
          break;
        }
        if (Date.now() - since > bound) atBound ??= why;
        await delay(scope === 'all' ? 500 : 250);
      }
      const took = Date.now() - since;
      const load = loadavg()[0]!;
      loads.push(load);
      if (why !== undefined || document === undefined) {
        // The healthcheck has not settled where the soak steered it (on a starved machine, checks
        // time out): the peer must still hold what it decided.
        unconverged++;
        unconvergedDetails.push(`${kind}: not converged after ${took} ms: ${why}`);
        options.log(`not converged: ${kind} after ${took} ms (load ${load.toFixed(1)}): ${why}`);
        await settleCheck(kind);
        return;
      }
      (convergeMs[kind] ??= []).push(took);
      boundMs[kind] = Math.max(boundMs[kind] ?? 0, bound);
      // When the healthcheck decided: its last transition among the touched services since the
      // injection (none when the event changed no state, e.g. a service flipped twice, or when
      // `ctl` answered after the change; not given after a restart, where every service rises).
      let decided: number | undefined;
      const touched = scope === 'all' ? null : scope;
      for (const s of touched === null ? [] : document.services) {
        if (!touched?.has(s.name)) continue;
        for (const t of s.transitions) if (t.at >= since) decided = Math.max(decided ?? 0, t.at);
      }
      const decidedIn = decided === undefined ? undefined : decided - since;
      if (decidedIn !== undefined) decisionMs[kind] = Math.max(decisionMs[kind] ?? 0, decidedIn);
      if (took > bound) {
        late++;
        options.log(
          `late: ${kind} converged in ${took} ms (decided in ${decidedIn ?? '?'} ms), bound ${bound} ms, load ${load.toFixed(1)} (${atBound ?? '?'})`,
        );
      }
      // One more interval, so every service re-announces once, then the oracle on a fresh reading.
      await delay(TIMING.interval * 1000);
      await settleCheck(kind);
    };

    // The start is an event too: ExaBGP starts us, every service rises.
    const began = Date.now();
    const firstSession = await waitSession(began, SESSION_WAIT_MS);
    await converge('start', began, firstSession, 'all');

    const stopAt = Date.now() + options.minutes * 60_000;
    let cycle: EventKind[] = [];
    const faulty = new Map<EventKind, SoakService>();
    const exabgpSignals: NodeJS.Signals[] = ['SIGTERM', 'SIGKILL'];
    let cycles = 0;
    // The first cycle always ends, so that every kind of event happens however slow the machine.
    while (Date.now() < stopAt || (cycles === 1 && cycle.length > 0)) {
      if (cycle.length === 0) {
        cycles++;
        cycle = [...CYCLE];
        for (let i = cycle.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [cycle[i], cycle[j]] = [cycle[j]!, cycle[i]!];
        }
      }
      let kind = cycle.shift()!;
      // ExaBGP's restarts start our process afresh: after the first half of the run (and one
      // restart) there are none, so that one process lives through the second half.
      const secondHalf = Date.now() > stopAt - (options.minutes * 60_000) / 2;
      if (kind === 'exabgp-restart' && secondHalf && (eventsByKind[kind] ?? 0) > 0) kind = 'flip';
      // An event is timed from the moment its injection is complete (every target in its new
      // mode, `ctl` answered, SIGHUP sent); a restart from the moment the daemon is stopped.
      let since = Date.now();
      let sessionMs = 0;
      let note = '';
      let scope: Scope = 'all';
      const present = base.filter((s) => configured.has(s.name));
      switch (kind) {
        case 'flip': {
          // Many services flap at once: up to a tenth of them, either way.
          const count = 1 + Math.floor(random() * Math.max(1, options.services / 10));
          const names = [...configured];
          const flipped = new Set<string>();
          for (let i = 0; i < count; i++) {
            const s = byName.get(pick(names))!;
            flipped.add(s.name);
            await targets.setMode(s.name, s.kind, passes(targets.mode(s.name)) ? 'down' : 'ok');
          }
          note = `${count} services`;
          scope = flipped;
          break;
        }
        case 'hang':
        case 'flood':
        case 'stall': {
          const kindOf: CheckKind = kind === 'stall' ? 'http' : 'command';
          // One target at a time is in each fault: the one before heals now (a fault of each kind
          // over a long run would otherwise pile up, a megabyte a second per flooding check).
          const before = faulty.get(kind);
          if (before !== undefined && targets.mode(before.name) === kind)
            await targets.setMode(before.name, before.kind, 'ok');
          const s = pick(all.filter((x) => x.kind === kindOf && configured.has(x.name)));
          faulty.set(kind, s);
          await targets.setMode(s.name, s.kind, kind);
          scope = new Set(before === undefined ? [s.name] : [s.name, before.name]);
          note = before === undefined ? s.name : `${s.name} (${before.name} heals)`;
          break;
        }
        case 'disable': {
          const s = pick(present.filter((x) => !x.drained && !x.maintenance));
          const result = await ctl(socket, ['disable', s.name, '--reason', 'soak']);
          if (result !== undefined) options.log(`ctl disable ${s.name}: ${result}`);
          s.maintenance = true;
          note = `${s.name} (ctl answered in ${Date.now() - since} ms)`;
          scope = new Set([s.name]);
          break;
        }
        case 'enable': {
          const held = present.filter((x) => x.drained || x.maintenance);
          const s = held.length > 0 ? pick(held) : pick(present);
          const result = await ctl(socket, ['enable', s.name]);
          if (result !== undefined) options.log(`ctl enable ${s.name}: ${result}`);
          s.maintenance = false;
          s.drained = false;
          note = `${s.name} (ctl answered in ${Date.now() - since} ms)`;
          scope = new Set([s.name]);
          break;
        }
        case 'drain': {
          const s = pick(present.filter((x) => !x.drained));
          const result = await ctl(socket, ['drain', s.name]);
          if (result !== undefined) options.log(`ctl drain ${s.name}: ${result}`);
          s.drained = true;
          note = `${s.name} (ctl answered in ${Date.now() - since} ms)`;
          scope = new Set([s.name]);
          break;
        }
        case 'reload': {
          const pool = all.filter((s) => s.pool);
          const changed: string[] = [];
          for (let i = 0; i < 1 + Math.floor(random() * 3); i++) {
            const s = pick(pool);
            if (configured.has(s.name)) {
              configured.delete(s.name);
              changed.push(`-${s.name}`);
            } else {
              configured.add(s.name);
              changed.push(`+${s.name}`);
            }
          }
          await writeConfig();
          const document = await status();
          process.kill(document.pid, 'SIGHUP');
          note = changed.join(' ');
          scope = new Set(changed.map((c) => c.slice(1)));
          break;
        }
        case 'exabgp-restart': {
          const signal = exabgpSignals[(eventsByKind[kind] ?? 0) % 2] ?? 'SIGTERM';
          const old = (await status()).pid;
          await supervisor.stop(exabgp.daemon, signal, 5000);
          // Without ExaBGP our process must leave by itself (stdin closed or ExaBGP's shutdown).
          const gone = Date.now() + 5000;
          while (isAlive(old) && Date.now() < gone) await delay(50);
          if (isAlive(old)) {
            leaked++;
            leakedDetails.push(`healthcheck ${old} alive 5 s after ExaBGP stopped (${signal})`);
          }
          // A drain lasts until `ctl enable` or a restart; maintenance survives the restart.
          for (const s of all) s.drained = false;
          exabgp = await startExabgp(supervisor, dir, exabgpOptions);
          sessionMs = await waitSession(since, SESSION_WAIT_MS);
          note = `${signal}, session back after ${sessionMs} ms`;
          break;
        }
        case 'gobgp-restart': {
          await supervisor.stop(gobgp.daemon, 'SIGTERM', 5000);
          gobgp = await startGobgp(supervisor, dir, gobgpOptions);
          sessionMs = await waitSession(since, SESSION_WAIT_MS);
          note = `session back after ${sessionMs} ms`;
          break;
        }
      }
      if (kind !== 'exabgp-restart' && kind !== 'gobgp-restart') since = Date.now();
      events++;
      eventsByKind[kind] = (eventsByKind[kind] ?? 0) + 1;
      options.log(`event ${events}: ${kind} ${note}`);
      await converge(kind, since, sessionMs, scope);
    }

    // The end: ExaBGP stops, our process must follow, and nothing of ours may stay behind.
    const last = (await status()).pid;
    await supervisor.stop(exabgp.daemon, 'SIGTERM', 5000);
    const gone = Date.now() + 5000;
    while (isAlive(last) && Date.now() < gone) await delay(50);
    await supervisor.stop(gobgp.daemon, 'SIGTERM', 5000);
    await targets.stop();
    const left = findPidsByArgument(dir);
    leaked += left.length;
    for (const pid of left) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      leakedDetails.push(`${pid}: ${cmdline.trim()}`);
    }
  } finally {
    await supervisor.stopAll();
    await targets.stop();
    await removeTempDir(dir);
  }

  let longest: SoakSummary['longest'] = null;
  for (const life of samples.values()) {
    if (longest === null || life.last.at - life.first.at > longest.last.at - longest.first.at)
      longest = life;
  }
  return {
    services: options.services,
    seed: options.seed,
    minutes: options.minutes,
    events,
    eventsByKind,
    stateChanges,
    settleChecks,
    mismatches,
    mismatchDetails,
    late,
    unconverged,
    unconvergedDetails,
    convergeMs,
    decisionMs,
    loads,
    loopLagMs,
    boundMs,
    start,
    end,
    longest,
    leaked,
    leakedDetails,
  };
}

/** Runs `bgp-healthcheck ctl`; undefined when it succeeded, else what it said. */
async function ctl(socket: string, args: readonly string[]): Promise<string | undefined> {
  const [command, ...base] = OUR_COMMAND;
  const result = await runCommand(command!, [...base, 'ctl', '--socket', socket, ...args], 15_000);
  return result.code === 0 ? undefined : `exit ${result.code}: ${result.stderr.trim()}`;
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

/**
 * Where the CPU went between two samples of one process: its own share and its checks' (reaped
 * children) in % of one core, and how busy the machine's cores were in all. The machine's share
 * says whether late events were starved: the soak's own load shares the cores it measures.
 */
function cpuShare(first: ProcessSample, last: ProcessSample): string {
  const a = first.cpu;
  const b = last.cpu;
  if (!a || !b || b.machineTotal <= a.machineTotal) return '';
  const seconds = (last.at - first.at) / 1000;
  if (seconds <= 0) return '';
  const ticks = (b.machineTotal - a.machineTotal) / seconds; // ticks per second, all cores
  const cores = Math.max(1, Math.round(ticks / TICKS_PER_SECOND));
  const ofCore = (n: number) => `${Math.round(((n / seconds) * 100) / TICKS_PER_SECOND)}%`;
  const busy = Math.round(
    ((b.machineBusy - a.machineBusy) / (b.machineTotal - a.machineTotal)) * 100,
  );
  return (
    `, cpu ${ofCore(b.self - a.self)} of a core + its checks ${ofCore(b.children - a.children)}` +
    ` (machine ${busy}% busy on ${cores} cores)`
  );
}

/** `nodejs_eventloop_lag_max_seconds` from a Prometheus exposition, in whole ms; null without it. */
export function loopLagOf(exposition: string): number | null {
  const value = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? (\S+)$/m.exec(exposition)?.[1];
  const seconds = Number(value);
  return value === undefined || !Number.isFinite(seconds) ? null : Math.round(seconds * 1000);
}

/** USER_HZ: the unit of /proc's CPU times on Linux. */
const TICKS_PER_SECOND = 100;

/** The middle value (the lower of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

/**
 * The one summary line: the load the run had, what it injected and found, per kind of event the
 * time to converge (longest, median, bound) and to decide (longest), RSS and open files (all, and
 * those held for the process's life: the rest are checks in flight) at start and end.
 */
export function formatSummary(summary: SoakSummary): string {
  const converge = Object.keys(summary.convergeMs)
    .sort()
    .map((kind) => {
      const times = summary.convergeMs[kind]!;
      const decided = summary.decisionMs[kind];
      return (
        `${kind} ${Math.max(...times)}/${median(times)}/${summary.boundMs[kind]}` +
        (decided === undefined ? '' : ` (${decided})`)
      );
    })
    .join(', ');
  const process = (first: ProcessSample | null, last: ProcessSample | null) =>
    first && last
      ? `rss ${mb(first.rssKb)}→${mb(last.rssKb)} MB, fds ${first.fds.total}→${last.fds.total} ` +
        `(held ${first.fds.held}→${last.fds.held})`
      : 'no samples';
  const longest = summary.longest;
  const lived = longest
    ? `; longest-lived process (${((longest.last.at - longest.first.at) / 60_000).toFixed(1)} min): ${process(longest.first, longest.last)}${cpuShare(longest.first, longest.last)}`
    : '';
  const loads = summary.loads;
  const load =
    loads.length === 0
      ? ''
      : `, load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${median(loads).toFixed(1)})`;
  const lags = summary.loopLagMs;
  const lag =
    lags.length === 0
      ? ''
      : `; event loop delay ms max/median ${Math.max(...lags)}/${median(lags)} (between settle checks)`;
  return (
    `soak: ${summary.services} services, ${summary.minutes} min, seed ${summary.seed}${load}: ` +
    `${summary.events} events injected, ${summary.stateChanges} state changes, ` +
    `${summary.settleChecks} settle checks, ${summary.mismatches} mismatches, ` +
    `${summary.unconverged} not converged, ${summary.late} late; ` +
    `converge ms max/median/bound (decided ms max): ${converge}; ` +
    `${process(summary.start, summary.end)}${lived}${lag}; ` +
    `${summary.leaked} leaked processes`
  );
}
