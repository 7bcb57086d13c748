// One service's loop: check, step the state machine, run hooks, announce, wait for the next period.
import type { AnnouncedState, Health, HealthState } from '../core/health.js';
import { INITIAL_HEALTH, isAnnouncedState, nextHealth, usesFastInterval } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import type { Service } from '../core/service.js';
import type { Clock } from './clock.js';
import type { CheckReport, RuntimeObserver } from './observer.js';

/** A settled promise for the paths with nothing to wait for. */
const DONE = Promise.resolve();

export interface ServiceRunnerDeps {
  readonly clock: Clock;
  /** Runs the service's checks once and combines them by its policy. */
  readonly check: (signal: AbortSignal) => Promise<CheckReport>;
  /** Whether the service is disabled right now (disable file, maintenance). */
  readonly isDisabled: () => boolean;
  readonly runHooks: (commands: readonly string[], state: HealthState) => Promise<void>;
  /** Writes the routes of `state` (and does the dynamic address work around it). */
  readonly announce: (state: AnnouncedState, signal: AbortSignal) => Promise<void>;
  readonly log: Logger;
  readonly observer?: RuntimeObserver;
  readonly random?: () => number;
}

/** How a loop ended: stopped from outside, or `end` after one announcement with interval 0. */
export type RunEnd = 'stopped' | 'end';

export interface ServiceSnapshot {
  readonly health: Health;
  /** Clock time the current state was entered. */
  readonly since: number;
  readonly lastReport: CheckReport | null;
  readonly disabled: boolean;
}

export class ServiceRunner {
  private health: Health = INITIAL_HEALTH;
  private since: number;
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

    const before = this.health;
    const step = nextHealth(before, { disabled, ok: report.ok }, service.timing);
    if (step.entered !== null && this.held(before.state, step.health.state, disabled)) {
      deps.log.debug(
        `${service.name}: holding ${before.state} for min-state-time (${report.reason})`,
      );
      return this.refresh(before.state, before.state, signal);
    }
    this.health = step.health;
    if (step.entered !== null) {
      this.since = deps.clock.now();
      const reason = disabled ? 'disabled' : report.reason;
      deps.observer?.transitioned?.(service.name, before.state, step.entered, reason);
      await deps.runHooks(
        [...(service.hooks.byState[step.entered] ?? []), ...service.hooks.any],
        step.entered,
      );
    }
    await this.refresh(before.state, this.health.state, signal);
  }

  /** Whether hysteresis keeps UP or DOWN a while longer (a disable always goes through). */
  private held(from: HealthState, to: HealthState, disabled: boolean): boolean {
    const hold = this.service.timing.minStateTime;
    if (hold <= 0 || disabled || to === 'DISABLED') return false;
    if (from !== 'UP' && from !== 'DOWN') return false;
    return this.deps.clock.now() - this.since < hold * 1000;
  }

  private refresh(before: HealthState, state: HealthState, signal: AbortSignal): Promise<void> {
    if (!isAnnouncedState(state) || signal.aborted) return DONE;
    // Every cycle re-announces (a peer may have lost the routes) unless --debounce asks otherwise.
    if (this.service.timing.debounce && state === before) return DONE;
    return this.deps.announce(state, signal);
  }
}
