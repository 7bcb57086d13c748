// Prometheus metrics of the running process, fed by the runtime's events, in a registry of their own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnnounceTarget } from '../core/announcer.js';
import type { ServiceState } from '../core/route-target.js';
import type { CheckReport, RuntimeObserver } from '../runtime/observer.js';
import { FAILURE_CAUSES, failureCause } from './failure-cause.js';
import { HEALTH_STATES, STATE_CHANGES } from './states.js';

export { HEALTH_STATES };

/** What the metrics know of a service from the start, so its series exist before anything happens. */
export interface ServiceShape {
  readonly name: string;
  /** Its checks, by name. */
  readonly checks?: readonly { readonly name: string }[];
  /** Its routes as labelled: the prefix, and the neighbor the lines go to (`*` for every one). */
  readonly routes?: readonly RouteLabels[];
}

export interface RouteLabels {
  readonly prefix: string;
  readonly neighbor: string;
}

/** What one API line does to one route, read back from the encoder's grammar. */
interface RouteUpdate extends RouteLabels {
  readonly action: 'announce' | 'withdraw';
  readonly med: number | null;
}

const ROUTE_ACTIONS = ['announce', 'withdraw'] as const;
const LINE_VERB = /(?:^|\s)(announce|withdraw) route (\S+)/;
const LINE_MED = / med (\d+)/;

/** The routes an API line announces or withdraws: one per neighbor it names (`*` for all). */
export function routeUpdates(line: string): RouteUpdate[] {
  const verb = LINE_VERB.exec(line);
  if (!verb) return [];
  const head = line.slice(0, verb.index).trim();
  const neighbors =
    head === '' ? ['*'] : head.split(',').map((n) => n.trim().replace(/^neighbor /, ''));
  const med = LINE_MED.exec(line);
  const action = verb[1] as RouteUpdate['action'];
  return neighbors.map((neighbor) => ({
    action,
    prefix: verb[2]!,
    neighbor,
    med: action === 'announce' && med ? Number(med[1]) : null,
  }));
}

export type AckAnswer = 'done' | 'error' | 'timeout';
const ACK_ANSWERS: readonly AckAnswer[] = ['done', 'error', 'timeout'];

/** Seconds; checks range from a local socket (ms) to a command that runs up to its timeout. */
export const CHECK_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * prom-client's sums of the per-type gauges below carry a `_total` suffix that Prometheus keeps
 * for counters (`promtool check metrics` rejects them); the per-type gauges stay.
 */
const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export interface MetricsOptions {
  /** Wall clock in ms since the epoch, for the last-transition timestamp. */
  readonly now?: () => number;
  /** prom-client's process and Node.js metrics (CPU, memory, event loop, GC); on by default. */
  readonly processMetrics?: boolean;
  /** Services known from the start. */
  readonly services?: readonly (string | ServiceShape)[];
  /** The version reported by `bgp_healthcheck_build_info`. */
  readonly version?: string;
}

interface Known {
  readonly checks: Set<string>;
  /** `prefix neighbor` of each route series. */
  readonly routes: Map<string, RouteLabels>;
  /** `prefix neighbor` of each route announced now. */
  readonly up: Set<string>;
}

const routeKey = (r: RouteLabels): string => `${r.prefix} ${r.neighbor}`;

/**
 * Events for a service that is not (or no longer) known are ignored, so a late event from a
 * service removed by a reload cannot bring its series back.
 */
export class Metrics implements RuntimeObserver {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly services = new Map<string, Known>();

  private readonly state: Gauge<'service' | 'state'>;
  private readonly announcedGauge: Gauge<'service'>;
  private readonly checksTotal: Counter<'service' | 'result'>;
  private readonly checkDuration: Histogram<'service'>;
  private readonly transitionsTotal: Counter<'service' | 'from' | 'to'>;
  private readonly lastTransition: Gauge<'service'>;
  private readonly checkUp: Gauge<'service' | 'check'>;
  private readonly checkLatency: Gauge<'service' | 'check'>;
  private readonly acksTotal: Counter<'answer'>;
  private readonly speakerApplies: Counter;
  private readonly ackTimeouts: Counter;
  private readonly checkFailures: Counter<'service' | 'check' | 'reason'>;
  private readonly routeAnnounced: Gauge<'service' | 'prefix' | 'neighbor'>;
  private readonly routeMed: Gauge<'service' | 'prefix' | 'neighbor'>;
  private readonly routeUpdatesTotal: Counter<'service' | 'action'>;
  private readonly maintenance: Gauge<'service'>;
  private readonly drained: Gauge<'service'>;
  private readonly reloadSuccess: Gauge;
  private readonly reloadSuccessTime: Gauge;

  constructor(options: MetricsOptions = {}) {
    this.now = options.now ?? Date.now;
    const registers = [this.registry];
    this.state = new Gauge({
      name: 'bgp_healthcheck_service_state',
      help: 'Whether the service is in this health state (1) or not (0); one series per state.',
      labelNames: ['service', 'state'],
      registers,
    });
    this.announcedGauge = new Gauge({
      name: 'bgp_healthcheck_service_announced',
      help: "Whether the service's routes are announced (1) or withdrawn or never sent (0).",
      labelNames: ['service'],
      registers,
    });
    this.checksTotal = new Counter({
      name: 'bgp_healthcheck_checks_total',
      help: 'Check cycles run, by combined result (cycles skipped while disabled are not counted).',
      labelNames: ['service', 'result'],
      registers,
    });
    this.checkDuration = new Histogram({
      name: 'bgp_healthcheck_check_duration_seconds',
      help: "Time one check cycle took, all of the service's checks together.",
      labelNames: ['service'],
      buckets: CHECK_DURATION_BUCKETS,
      registers,
    });
    this.transitionsTotal = new Counter({
      name: 'bgp_healthcheck_transitions_total',
      help: 'Health state changes, by the state left and the state entered.',
      labelNames: ['service', 'from', 'to'],
      registers,
    });
    this.lastTransition = new Gauge({
      name: 'bgp_healthcheck_last_transition_timestamp_seconds',
      help: 'When the service entered its current state (Unix time); its start time before any change.',
      labelNames: ['service'],
      registers,
    });
    this.checkUp = new Gauge({
      name: 'bgp_healthcheck_check_up',
      help: 'Whether the last run of this check passed (1) or failed (0); absent while the service is disabled.',
      labelNames: ['service', 'check'],
      registers,
    });
    this.checkLatency = new Gauge({
      name: 'bgp_healthcheck_check_latency_seconds',
      help: 'How long the last run of this check took.',
      labelNames: ['service', 'check'],
      registers,
    });
    this.acksTotal = new Counter({
      name: 'bgp_healthcheck_exabgp_acks_total',
      help: 'Acknowledgements waited for from ExaBGP, by answer (done, error, or timeout).',
      labelNames: ['answer'],
      registers,
    });
    this.ackTimeouts = new Counter({
      name: 'bgp_healthcheck_exabgp_ack_timeouts_total',
      help: 'Acknowledgements from ExaBGP that did not come in time.',
      registers,
    });
    this.checkFailures = new Counter({
      name: 'bgp_healthcheck_check_failures_total',
      help: 'Failed runs of each check, by cause: timeout, refused, status, body, rcode, exit or error.',
      labelNames: ['service', 'check', 'reason'],
      registers,
    });
    this.routeAnnounced = new Gauge({
      name: 'bgp_healthcheck_route_announced',
      help: 'Whether the prefix is announced to the neighbor now (1) or withdrawn or never sent (0); neighbor * is every neighbor.',
      labelNames: ['service', 'prefix', 'neighbor'],
      registers,
    });
    this.routeMed = new Gauge({
      name: 'bgp_healthcheck_route_med',
      help: 'The MED the prefix is announced with now; absent while it is not announced.',
      labelNames: ['service', 'prefix', 'neighbor'],
      registers,
    });
    this.routeUpdatesTotal = new Counter({
      name: 'bgp_healthcheck_route_updates_total',
      help: 'Route lines written to ExaBGP and acknowledged (or given up on), by action: announce or withdraw.',
      labelNames: ['service', 'action'],
      registers,
    });
    this.maintenance = new Gauge({
      name: 'bgp_healthcheck_maintenance',
      help: 'Whether an operator put the service in maintenance (ctl disable) (1) or not (0).',
      labelNames: ['service'],
      registers,
    });
    this.drained = new Gauge({
      name: 'bgp_healthcheck_drained',
      help: 'Whether the service is drained (ctl drain finished, routes withdrawn until ctl enable) (1) or not (0).',
      labelNames: ['service'],
      registers,
    });
    this.reloadSuccess = new Gauge({
      name: 'bgp_healthcheck_config_reload_success',
      help: 'Whether the last configuration load (start or reload) succeeded (1) or was refused (0).',
      registers,
    });
    this.reloadSuccessTime = new Gauge({
      name: 'bgp_healthcheck_config_reload_success_timestamp_seconds',
      help: 'When the configuration in use was loaded (Unix time).',
      registers,
    });
    const buildInfo = new Gauge({
      name: 'bgp_healthcheck_build_info',
      help: 'Always 1; the labels say which build runs.',
      labelNames: ['version', 'nodejs'],
      registers,
    });
    buildInfo.set({ version: options.version ?? 'unknown', nodejs: process.versions.node }, 1);
    this.speakerApplies = new Counter({
      name: 'bgp_healthcheck_speaker_applies_total',
      help: 'Route sets applied to a speaker driven by file, API or command (BIRD, GoBGP, FRR; not ExaBGP, whose lines are counted apart), by result (ok or failed).',
      labelNames: ['result'],
      registers,
    });
    for (const result of ['ok', 'failed']) this.speakerApplies.inc({ result }, 0);
    for (const answer of ACK_ANSWERS) this.acksTotal.inc({ answer }, 0);
    this.ackTimeouts.inc(0);
    this.configLoaded(true);

    if (options.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of MISNAMED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
    for (const name of options.services ?? []) this.addService(name);
  }

  /** The Content-Type of `render()`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format, as served on /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Creates the service's series (state INIT, nothing announced, zero counts); a known one is kept. */
  addService(shape: string | ServiceShape): void {
    const {
      name: service,
      checks = [],
      routes = [],
    } = typeof shape === 'string' ? { name: shape } : shape;
    if (this.services.has(service)) return;
    const known: Known = { checks: new Set(), routes: new Map(), up: new Set() };
    this.services.set(service, known);
    this.setState(service, 'INIT');
    this.announcedGauge.set({ service }, 0);
    this.maintenance.set({ service }, 0);
    this.drained.set({ service }, 0);
    this.checksTotal.inc({ service, result: 'ok' }, 0);
    this.checksTotal.inc({ service, result: 'failed' }, 0);
    this.checkDuration.zero({ service });
    this.lastTransition.set({ service }, this.now() / 1000);
    for (const [from, to] of STATE_CHANGES) this.transitionsTotal.inc({ service, from, to }, 0);
    for (const action of ROUTE_ACTIONS) this.routeUpdatesTotal.inc({ service, action }, 0);
    for (const check of checks) this.knowCheck(service, known, check.name);
    for (const route of routes) this.knowRoute(service, known, route);
  }

  /** Drops every series of the service. */
  removeService(service: string): void {
    const known = this.services.get(service);
    if (!known) return;
    this.services.delete(service);
    for (const state of HEALTH_STATES) this.state.remove({ service, state });
    this.announcedGauge.remove({ service });
    this.maintenance.remove({ service });
    this.drained.remove({ service });
    this.checksTotal.remove({ service, result: 'ok' });
    this.checksTotal.remove({ service, result: 'failed' });
    this.checkDuration.remove({ service });
    this.lastTransition.remove({ service });
    for (const [from, to] of STATE_CHANGES) this.transitionsTotal.remove({ service, from, to });
    for (const action of ROUTE_ACTIONS) this.routeUpdatesTotal.remove({ service, action });
    for (const check of known.checks) {
      this.checkUp.remove({ service, check });
      this.checkLatency.remove({ service, check });
      for (const reason of FAILURE_CAUSES) this.checkFailures.remove({ service, check, reason });
    }
    for (const route of known.routes.values()) {
      this.routeAnnounced.remove({ service, ...route });
      this.routeMed.remove({ service, ...route });
    }
  }

  /** Maintenance set (`ctl disable`) or cleared (`ctl enable`). */
  setMaintenance(service: string, on: boolean): void {
    if (this.services.has(service)) this.maintenance.set({ service }, on ? 1 : 0);
  }

  /** A configuration load at start or on reload, and whether it was taken. */
  configLoaded(ok: boolean): void {
    this.reloadSuccess.set(ok ? 1 : 0);
    if (ok) this.reloadSuccessTime.set(this.now() / 1000);
  }

  private knowCheck(service: string, known: Known, check: string): void {
    if (known.checks.has(check)) return;
    known.checks.add(check);
    for (const reason of FAILURE_CAUSES) this.checkFailures.inc({ service, check, reason }, 0);
  }

  private knowRoute(service: string, known: Known, route: RouteLabels): void {
    const key = routeKey(route);
    if (known.routes.has(key)) return;
    const labels = { prefix: route.prefix, neighbor: route.neighbor };
    known.routes.set(key, labels);
    this.routeAnnounced.set({ service, ...labels }, 0);
  }

  checked(service: string, report: CheckReport, disabled: boolean): void {
    const known = this.services.get(service);
    if (!known) return;
    if (disabled) {
      // A disabled cycle runs no check: its report is made up, and the last results are stale.
      for (const check of known.checks) {
        this.checkUp.remove({ service, check });
        this.checkLatency.remove({ service, check });
      }
      return;
    }
    this.checksTotal.inc({ service, result: report.ok ? 'ok' : 'failed' });
    this.checkDuration.observe({ service }, report.durationMs / 1000);
    for (const { name: check, result } of report.checks) {
      this.knowCheck(service, known, check);
      this.checkUp.set({ service, check }, result.ok ? 1 : 0);
      this.checkLatency.set({ service, check }, result.latencyMs / 1000);
      if (!result.ok)
        this.checkFailures.inc({ service, check, reason: failureCause(result.reason) });
    }
  }

  transitioned(service: string, from: ServiceState, to: ServiceState, _reason: string): void {
    const known = this.services.get(service);
    if (!known) return;
    this.transitionsTotal.inc({ service, from, to });
    this.lastTransition.set({ service }, this.now() / 1000);
    this.setState(service, to);
    this.drained.set({ service }, to === 'DRAINED' ? 1 : 0);
  }

  announced(service: string, target: AnnounceTarget, lines: readonly string[]): void {
    const known = this.services.get(service);
    if (!known) return;
    for (const line of lines) {
      for (const update of routeUpdates(line)) {
        const labels = { service, prefix: update.prefix, neighbor: update.neighbor };
        this.knowRoute(service, known, update);
        this.routeUpdatesTotal.inc({ service, action: update.action });
        // With withdraw-on-down the lines for DOWN are withdraws: the verb decides, not the target.
        if (update.action === 'announce' && target !== 'EXIT') {
          known.up.add(routeKey(update));
          this.routeAnnounced.set(labels, 1);
          if (update.med !== null) this.routeMed.set(labels, update.med);
        } else {
          known.up.delete(routeKey(update));
          this.routeAnnounced.set(labels, 0);
          this.routeMed.remove(labels);
        }
      }
    }
    this.announcedGauge.set({ service }, known.up.size > 0 ? 1 : 0);
  }

  /** To be passed as the ExaBGP API's `onAck`. */
  ackObserved(answer: AckAnswer): void {
    this.acksTotal.inc({ answer });
    if (answer === 'timeout') this.ackTimeouts.inc();
  }

  /** To be passed as a set speaker's `onApply`. */
  applyObserved(ok: boolean): void {
    this.speakerApplies.inc({ result: ok ? 'ok' : 'failed' });
  }

  private setState(service: string, current: ServiceState): void {
    for (const state of HEALTH_STATES)
      this.state.set({ service, state }, state === current ? 1 : 0);
  }
}
