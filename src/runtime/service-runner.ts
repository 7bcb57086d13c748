// One service's loop: check, step the state machine, run hooks, announce, wait for the next period.
import type { AnnounceTarget } from '../core/announcer.js';
import type { Health, HealthState } from '../core/health.js';
import { INITIAL_HEALTH, nextHealth, usesFastInterval } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import {
  holdOf,
  nextVerdict,
  routeTarget,
  shownState,
  type Drain,
  type Hold,
  type ServiceState,
  type Verdict,
} from '../core/route-target.js';
import type { Service } from '../core/service.js';
import type { Clock } from './clock.js';
import type { CheckReport, RuntimeObserver } from './observer.js';

/** A settled promise for the paths with nothing to wait for. */
const DONE = Promise.resolve();

export interface ServiceRunnerDeps {
  readonly clock: Clock;
  /** Runs the service's checks once and combines them by its policy. */
  readonly check: (signal: AbortSignal) => Promise<CheckReport>;
  /**
   * Whether the reference's disable file is present: the checks stop and the state machine enters
   * DISABLED, whose attributes are announced whatever the service's health (drop-in behaviour).
   */
  readonly isDisabled: () => boolean;
  /**
   * Whether an operator holds the service in maintenance (`ctl disable`, a YAML service's disable
   * file): the checks go on, and the routes are never better than they prove.
   */
  readonly inMaintenance?: () => boolean;
  readonly runHooks: (commands: readonly string[], state: ServiceState) => Promise<void>;
  /** Writes the routes of `target` (and does the dynamic address work around it). */
  readonly announce: (target: AnnounceTarget, signal: AbortSignal) => Promise<void>;
  /** What was last written for this service, by this loop or by anyone else (a drain, a stop). */
  readonly lastAnnounced: () => AnnounceTarget | null;
  readonly log: Logger;
  readonly observer?: RuntimeObserver;
  readonly random?: () => number;
}

/** How a loop ended: stopped from outside, or `end` after one announcement with interval 0. */
export type RunEnd = 'stopped' | 'end';

export interface ServiceSnapshot {
  readonly health: Health;
  /** What the checks last proved. */
  readonly verdict: Verdict;
  readonly hold: Hold | null;
  /** The state shown to operators (the health state, or what a hold made of it). */
  readonly state: ServiceState;
  /** Clock time the shown state was entered. */
  readonly since: number;
  readonly lastReport: CheckReport | null;
  /** The last cycle skipped the checks (the reference's disable file). */
  readonly disabled: boolean;
}

export class ServiceRunner {
  private health: Health = INITIAL_HEALTH;
  private verdict: Verdict = null;
  private drain: Drain = null;
  private maintenance = false;
  private shown: ServiceState = 'INIT';
  private since: number;
  /** Clock time the health state was entered (min-state-time counts from it). */
  private healthSince: number;
  private lastReport: CheckReport | null = null;
  private disabled = false;
  private wake: (() => void) | null = null;

  private current: Service;
  private checkFn: ServiceRunnerDeps['check'];

  constructor(
    service: Service,
    private readonly deps: ServiceRunnerDeps,
  ) {
    this.current = service;
    this.checkFn = deps.check;
    this.since = deps.clock.now();
    this.healthSince = this.since;
  }

  get service(): Service {
    return this.current;
  }

  /** Applies a reloaded configuration; the health state and its counters are kept. */
  update(service: Service, check: ServiceRunnerDeps['check']): void {
    this.current = service;
    this.checkFn = check;
  }

  get snapshot(): ServiceSnapshot {
    return {
      health: this.health,
      verdict: this.verdict,
      hold: this.hold,
      state: this.shown,
      since: this.since,
      lastReport: this.lastReport,
      disabled: this.disabled,
    };
  }

  /** Ends the current wait so the next check starts now. */
  checkNow(): void {
    this.wake?.();
  }

  /** Runs cycles until stopped; the first one `startDelayMs` from now (`checkNow` ends that wait too). */
  async run(signal: AbortSignal, startDelayMs = 0): Promise<RunEnd> {
    // One listener for the whole loop: a stop ends the current wait.
    const stop = (): void => this.wake?.();
    signal.addEventListener('abort', stop, { once: true });
    try {
      if (startDelayMs > 0) await this.waitUntil(this.deps.clock.now() + startDelayMs, signal);
      return await this.loop(signal);
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  private async loop(signal: AbortSignal): Promise<RunEnd> {
    const { clock } = this.deps;
    while (!signal.aborted) {
      const { timing } = this.service;
      const startedAt = clock.now();
      await this.cycle(signal);
      if (signal.aborted) break;
      const fast = usesFastInterval(this.health.state);
      if (!fast && timing.interval === 0) {
        this.deps.log.info(
          `${this.service.name}: interval set to zero, exiting after the announcement`,
        );
        return 'end';
      }
      const period = (fast ? timing.fastInterval : timing.interval) * 1000;
      const jitter =
        timing.jitter > 0 ? (this.deps.random ?? Math.random)() * timing.jitter * 1000 : 0;
      await this.waitUntil(startedAt + period + jitter, signal);
    }
    return 'stopped';
  }

  /** Waits until `deadline`, or until `checkNow` or a stop wakes it: one timer, nothing else. */
  private waitUntil(deadline: number, signal: AbortSignal): Promise<void> {
    const remaining = deadline - this.deps.clock.now();
    if (remaining <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        cancel();
        this.wake = null;
        resolve();
      };
      const cancel = this.deps.clock.after(remaining, wake);
      this.wake = wake;
    });
  }

  private get hold(): Hold | null {
    return holdOf(this.drain, this.maintenance);
  }

  /** What the routes should say now (null: nothing yet, the last announcement stands). */
  get target(): AnnounceTarget | null {
    return routeTarget(this.service.routes, this.health.state, this.verdict, this.hold);
  }

  /**
   * Starts or ends a drain (`null` ends it): the shown state changes at once and its hooks run.
   * Writing the routes is the caller's: a drain's writes are timed by the runtime.
   */
  setDrain(drain: Drain, reason: string): Promise<void> {
    this.drain = drain;
    return this.show(reason);
  }

  /**
   * Takes in a change of maintenance made outside the loop (`ctl disable`, `ctl enable`): the shown
   * state, its hooks and the routes follow at once, without waiting for a check.
   */
  async reconsider(signal: AbortSignal): Promise<void> {
    this.maintenance = this.deps.inMaintenance?.() ?? false;
    const before = this.deps.lastAnnounced();
    await this.show(this.maintenance ? 'maintenance' : 'maintenance ended');
    const target = this.target;
    if (target !== null && target !== before && !signal.aborted) {
      await this.deps.announce(target, signal);
    }
  }

  /** Moves the shown state to what the health and the hold make of it: log, event, hooks. */
  private show(reason: string): Promise<void> {
    const { deps, service } = this;
    const from = this.shown;
    const to = shownState(this.health.state, this.hold);
    if (to === from) return DONE;
    this.shown = to;
    this.since = deps.clock.now();
    deps.observer?.transitioned?.(service.name, from, to, reason);
    const own = to === 'DRAINING' || to === 'DRAINED' ? [] : (service.hooks.byState[to] ?? []);
    return deps.runHooks([...own, ...service.hooks.any], to);
  }

  /** One cycle, as the reference's `one()`; public for tests driving cycles one by one. */
  async cycle(signal: AbortSignal): Promise<void> {
    const { deps, service } = this;
    const disabled = deps.isDisabled();
    this.disabled = disabled;
    const report: CheckReport = disabled
      ? { ok: true, reason: 'disabled', durationMs: 0, checks: [] }
      : await this.checkFn(signal);
    if (signal.aborted) return;
    this.lastReport = report;
    deps.observer?.checked?.(service.name, report, disabled);
    this.maintenance = deps.inMaintenance?.() ?? false;

    const before = this.health;
    const step = nextHealth(before, { disabled, ok: report.ok }, service.timing);
    if (step.entered !== null && this.held(before.state, step.health.state, disabled)) {
      deps.log.debug(
        `${service.name}: holding ${before.state} for min-state-time (${report.reason})`,
      );
    } else {
      this.health = step.health;
      this.verdict = nextVerdict(this.verdict, step.entered);
      if (step.entered !== null) this.healthSince = deps.clock.now();
      const hold = this.hold;
      if (step.entered !== null && hold !== null) {
        deps.log.info(
          `${service.name}: checks ${before.state} -> ${step.entered} (${report.reason}), shown ${shownState(step.entered, hold)}`,
        );
      }
      await this.show(disabled ? 'disabled' : (hold ?? report.reason));
    }
    await this.refresh(signal);
  }

  /** Whether hysteresis keeps UP or DOWN a while longer (a disable always goes through). */
  private held(from: HealthState, to: HealthState, disabled: boolean): boolean {
    const hold = this.service.timing.minStateTime;
    if (hold <= 0 || disabled || to === 'DISABLED') return false;
    if (from !== 'UP' && from !== 'DOWN') return false;
    return this.deps.clock.now() - this.healthSince < hold * 1000;
  }

  private refresh(signal: AbortSignal): Promise<void> {
    const target = this.target;
    const previous = this.deps.lastAnnounced();
    if (target === null || signal.aborted) return DONE;
    // Every cycle re-announces (a peer may have lost the routes) unless --debounce asks otherwise;
    // a finished drain's withdrawal is written once.
    if (target === previous && (this.service.timing.debounce || target === 'EXIT')) return DONE;
    return this.deps.announce(target, signal);
  }
}
