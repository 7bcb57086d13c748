// Prometheus metrics of the running process, fed by the runtime's events, in a registry of their own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AnnounceTarget } from '../core/announcer.js';
import { SERVICE_STATES, type ServiceState } from '../core/route-target.js';
import type { CheckReport, RuntimeObserver } from '../runtime/observer.js';

/** Every state a service can show, each a series of the state gauge. */
export const HEALTH_STATES: readonly ServiceState[] = SERVICE_STATES;

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
  readonly services?: readonly string[];
}

/** An API line's verb, whatever neighbor selector precedes it. */
const ANNOUNCE_LINE = /(?:^|\s)announce route /;

/**
 * Events for a service that is not (or no longer) known are ignored, so a late event from a
 * service removed by a reload cannot bring its series back.
 */
export class Metrics implements RuntimeObserver {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly services = new Map<string, { checks: Set<string>; transitions: Set<string> }>();

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
      help: 'Whether the last run of this check passed (1) or failed (0).',
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
    this.speakerApplies = new Counter({
      name: 'bgp_healthcheck_speaker_applies_total',
      help: 'Route sets applied to a file- or API-driven speaker (BIRD), by result (ok or failed).',
      labelNames: ['result'],
      registers,
    });
    for (const result of ['ok', 'failed']) this.speakerApplies.inc({ result }, 0);
    for (const answer of ACK_ANSWERS) this.acksTotal.inc({ answer }, 0);
    this.ackTimeouts.inc(0);

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
  addService(service: string): void {
    if (this.services.has(service)) return;
    this.services.set(service, { checks: new Set(), transitions: new Set() });
    this.setState(service, 'INIT');
    this.announcedGauge.set({ service }, 0);
    this.checksTotal.inc({ service, result: 'ok' }, 0);
    this.checksTotal.inc({ service, result: 'failed' }, 0);
    this.checkDuration.zero({ service });
    this.lastTransition.set({ service }, this.now() / 1000);
  }

  /** Drops every series of the service. */
  removeService(service: string): void {
    const known = this.services.get(service);
    if (!known) return;
    this.services.delete(service);
    for (const state of HEALTH_STATES) this.state.remove({ service, state });
    this.announcedGauge.remove({ service });
    this.checksTotal.remove({ service, result: 'ok' });
    this.checksTotal.remove({ service, result: 'failed' });
    this.checkDuration.remove({ service });
    this.lastTransition.remove({ service });
    for (const pair of known.transitions) {
      const [from = '', to = ''] = pair.split('>');
      this.transitionsTotal.remove({ service, from, to });
    }
    for (const check of known.checks) {
      this.checkUp.remove({ service, check });
      this.checkLatency.remove({ service, check });
    }
  }

  checked(service: string, report: CheckReport, disabled: boolean): void {
    const known = this.services.get(service);
    // A disabled cycle runs no check: its report is made up, so it says nothing about the service.
    if (!known || disabled) return;
    this.checksTotal.inc({ service, result: report.ok ? 'ok' : 'failed' });
    this.checkDuration.observe({ service }, report.durationMs / 1000);
    for (const { name: check, result } of report.checks) {
      known.checks.add(check);
      this.checkUp.set({ service, check }, result.ok ? 1 : 0);
      this.checkLatency.set({ service, check }, result.latencyMs / 1000);
    }
  }

  transitioned(service: string, from: ServiceState, to: ServiceState, _reason: string): void {
    const known = this.services.get(service);
    if (!known) return;
    known.transitions.add(`${from}>${to}`);
    this.transitionsTotal.inc({ service, from, to });
    this.lastTransition.set({ service }, this.now() / 1000);
    this.setState(service, to);
  }

  announced(service: string, target: AnnounceTarget, lines: readonly string[]): void {
    if (!this.services.has(service)) return;
    // With withdraw-on-down the lines for DOWN are withdraws: the verb decides, not the target.
    const up = target !== 'EXIT' && lines.some((line) => ANNOUNCE_LINE.test(line));
    this.announcedGauge.set({ service }, up ? 1 : 0);
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
