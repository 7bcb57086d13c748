// Runs every service's loop and carries out what operators ask: maintenance, check now, drain, reload, stop.
import { announcementsFor, type AnnounceTarget } from '../core/announcer.js';
import { encodeExabgpText, type ApiForm } from '../core/encoder.js';
import type { AnnouncedState, HealthState } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import type { Service } from '../core/service.js';
import type { ExabgpApi } from '../exabgp/api.js';
import type { AddressManager } from '../host/addresses.js';
import type { Clock } from './clock.js';
import type { ControlResult, ControlTarget, Maintenance, ProcessStatus } from './control.js';
import type { CheckReport, RuntimeObserver } from './observer.js';
import { ServiceRunner, type RunEnd } from './service-runner.js';

/** A service ready to run: its prefixes are final (discovered, deaggregated, rotated). */
export interface ReadyService {
  readonly service: Service;
  readonly addresses: AddressManager;
}

/** Where maintenance set over the control socket is kept (a state file in production). */
export interface MaintenanceBook {
  get(service: string): Maintenance | null;
  set(service: string, maintenance: Maintenance | null): void;
}

export type ReloadOutcome =
  | { readonly ok: true; readonly services: readonly Service[] }
  | { readonly ok: false; readonly errors: readonly string[] };

export interface RuntimeDeps {
  readonly api: ExabgpApi;
  readonly apiForm: ApiForm;
  readonly clock: Clock;
  readonly log: Logger;
  readonly makeCheck: (service: Service) => (signal: AbortSignal) => Promise<CheckReport>;
  /** Whether the disable file of the service exists. */
  readonly disableFileExists: (service: Service) => boolean;
  readonly runHooks: (
    service: Service,
    commands: readonly string[],
    state: HealthState,
    signal: AbortSignal,
  ) => Promise<void>;
  readonly observer?: RuntimeObserver;
  readonly maintenance?: MaintenanceBook;
  /** Status for `ctl status`; the runtime adds nothing of its own. */
  readonly status?: () => ProcessStatus;
  /** Re-reads the configuration (SIGHUP, `ctl reload`). */
  readonly reloadConfig?: () => Promise<ReloadOutcome>;
  /** Resolves and sets up the addresses of a service added or changed by a reload. */
  readonly prepare?: (service: Service) => Promise<ReadyService>;
  /** Services that start together; more start in groups spread over the interval (see staggerMs). */
  readonly startGroupSize?: number;
  /** Drain time for services that set none (`--drain-time`), seconds. */
  readonly defaultDrain?: number;
  /** How long each withdrawal's ack is waited for at shutdown. */
  readonly shutdownAckTimeoutMs?: number;
  readonly onDraining?: (service: string, draining: boolean) => void;
  readonly onServicesChanged?: (added: readonly string[], removed: readonly string[]) => void;
}

/** Why the runtime stopped: a signal (withdraw), ExaBGP gone (nothing to write to), or every loop ended. */
export type StopReason = 'signal' | 'gone' | 'end';

/** The longest drain we wait for, whatever is configured: a stop must stay bounded. */
export const MAX_DRAIN_SECONDS = 300;

/** The widest spread of the services' first checks. */
export const MAX_STAGGER_MS = 1000;

/**
 * How long service `index` of `count` waits before its first check, when services start in groups
 * of at most `groupSize`. Services that all started at once would all check at once every interval:
 * past the concurrency limit, a queue whose checks wait, and memory that lives longer. The groups are
 * spread evenly over the interval (at most 1 s); the services of a group share their wake-ups and
 * their write to ExaBGP. A single group, such as one service, starts at once.
 */
export function staggerMs(
  index: number,
  count: number,
  intervalSeconds: number,
  groupSize: number,
): number {
  const groups = Math.ceil(count / Math.max(1, groupSize));
  if (groups <= 1) return 0;
  const spread = Math.min(intervalSeconds * 1000, MAX_STAGGER_MS);
  return Math.floor((Math.floor((index * groups) / count) * spread) / groups);
}

interface Entry {
  ready: ReadyService;
  runner: ServiceRunner;
  controller: AbortController;
  loop: Promise<RunEnd> | null;
  end: RunEnd | null;
  /** The lines of each target, encoded once per configuration: every cycle re-announces. */
  lines: Partial<Record<AnnounceTarget, readonly string[]>>;
}

export class Runtime implements ControlTarget {
  private readonly entries = new Map<string, Entry>();
  private stopping: Promise<void> | null = null;
  private stopReason: StopReason | null = null;
  /** Cut short by a second stop request: a drain in progress ends at once. */
  private readonly drainCut = new AbortController();
  private reloading: Promise<unknown> = Promise.resolve();
  private finished!: (reason: StopReason) => void;
  private readonly done = new Promise<StopReason>((resolve) => {
    this.finished = resolve;
  });

  constructor(
    services: readonly ReadyService[],
    private readonly deps: RuntimeDeps,
  ) {
    for (const ready of services) this.entries.set(ready.service.name, this.makeEntry(ready));
  }

  get serviceRunners(): readonly ServiceRunner[] {
    return [...this.entries.values()].map((e) => e.runner);
  }

  private makeEntry(ready: ReadyService): Entry {
    const { deps } = this;
    const { service } = ready;
    const entry: Entry = {
      ready,
      controller: new AbortController(),
      loop: null,
      end: null,
      lines: {},
      runner: undefined as unknown as ServiceRunner,
    };
    entry.runner = new ServiceRunner(service, {
      clock: deps.clock,
      check: deps.makeCheck(service),
      isDisabled: () =>
        deps.maintenance?.get(entry.runner.service.name) != null ||
        deps.disableFileExists(entry.runner.service),
      runHooks: (commands, state) =>
        deps.runHooks(entry.runner.service, commands, state, entry.controller.signal),
      announce: (state, signal) => this.announce(entry, state, signal),
      log: deps.log,
      observer: deps.observer,
    });
    return entry;
  }

  linesFor(service: Service, target: AnnounceTarget): string[] {
    return announcementsFor(service.routes, target).map((c) =>
      encodeExabgpText(c, this.deps.apiForm),
    );
  }

  /** The lines of `target` for the entry's service, encoded on first use. */
  private linesOf(entry: Entry, target: AnnounceTarget): readonly string[] {
    return (entry.lines[target] ??= this.linesFor(entry.runner.service, target));
  }

  /** Sends `lines` and tells the observer; one promise, as this runs for every service every cycle. */
  private write(
    service: Service,
    target: AnnounceTarget,
    lines: readonly string[],
    signal?: AbortSignal,
    ackTimeoutMs?: number,
  ): Promise<void> {
    return this.deps.api.send(lines, signal, ackTimeoutMs).then(() => {
      this.deps.observer?.announced?.(service.name, target, lines);
    });
  }

  private announce(entry: Entry, state: AnnouncedState, signal: AbortSignal): Promise<void> {
    const { service } = entry.runner;
    if (this.stopping || signal.aborted) return Promise.resolve();
    if (service.addresses.dynamic) return this.announceDynamic(entry, state, signal);
    this.deps.log.debug(`${service.name}: send announces for ${state} state to ExaBGP`);
    return this.write(service, state, this.linesOf(entry, state), signal);
  }

  /** With dynamic addresses, the address is added before UP and removed after DOWN or DISABLED. */
  private async announceDynamic(
    entry: Entry,
    state: AnnouncedState,
    signal: AbortSignal,
  ): Promise<void> {
    const { service } = entry.runner;
    const { addresses } = entry.ready;
    const { prefixes } = service.routes;
    if (state === 'UP') {
      this.deps.log.info(`${service.name}: service up, restoring addresses`);
      await addresses.setup(prefixes);
    }
    this.deps.log.debug(`${service.name}: send announces for ${state} state to ExaBGP`);
    await this.write(service, state, this.linesOf(entry, state), signal);
    if ((state === 'DOWN' || state === 'DISABLED') && !signal.aborted) {
      this.deps.log.info(`${service.name}: service down, deleting addresses`);
      await addresses.remove(prefixes);
    }
  }

  private startLoop(entry: Entry, startDelayMs = 0): void {
    entry.end = null;
    entry.loop = entry.runner
      .run(entry.controller.signal, startDelayMs)
      .catch((error: unknown): RunEnd => {
        this.deps.log.error(
          `${entry.runner.service.name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        void this.stop('signal');
        return 'stopped';
      })
      .then((end) => {
        entry.end = end;
        if (!this.stopping && [...this.entries.values()].every((e) => e.end === 'end')) {
          this.finished('end');
        }
        return end;
      });
  }

  private async stopLoop(entry: Entry): Promise<void> {
    entry.controller.abort();
    await entry.loop;
    entry.controller = new AbortController();
    entry.loop = null;
  }

  /** Runs until every loop ends (interval 0) or `stop` is called; resolves with the reason. */
  run(): Promise<StopReason> {
    const count = this.entries.size;
    const group = this.deps.startGroupSize ?? Infinity;
    [...this.entries.values()].forEach((entry, index) =>
      this.startLoop(entry, staggerMs(index, count, entry.runner.service.timing.interval, group)),
    );
    if (count === 0) this.finished('end');
    return this.done;
  }

  /**
   * Stops every loop once. On a signal, drains where configured, then withdraws every prefix of every
   * service (each exactly once) and removes the addresses that were set up. A second request during
   * a drain cuts the drain short.
   */
  stop(reason: 'signal' | 'gone'): Promise<void> {
    if (this.stopping) {
      if (!this.drainCut.signal.aborted) {
        this.deps.log.info('second stop request: withdrawing now');
        this.drainCut.abort();
      }
      return this.stopping;
    }
    this.stopReason = reason;
    for (const entry of this.entries.values()) entry.controller.abort();
    this.stopping = this.shutdown(reason).then(() => this.finished(this.stopReason ?? reason));
    return this.stopping;
  }

  private drainSeconds(service: Service): number {
    return Math.min(service.drain ?? this.deps.defaultDrain ?? 0, MAX_DRAIN_SECONDS);
  }

  private async shutdown(reason: 'signal' | 'gone'): Promise<void> {
    const { deps } = this;
    const entries = [...this.entries.values()];
    await Promise.all(entries.map((e) => e.loop ?? Promise.resolve()));
    if (reason === 'signal' && !deps.api.closed) {
      const draining = entries.filter((e) => this.drainSeconds(e.runner.service) > 0);
      if (draining.length > 0) {
        for (const { runner } of draining) {
          const lines = this.linesFor(runner.service, 'DISABLED');
          deps.log.info(
            `${runner.service.name}: draining for ${this.drainSeconds(runner.service)} s`,
          );
          deps.onDraining?.(runner.service.name, true);
          await this.write(runner.service, 'DISABLED', lines);
        }
        const longest = Math.max(...draining.map((e) => this.drainSeconds(e.runner.service)));
        await this.waitDrain(longest * 1000);
      }
      deps.log.info('exiting: withdrawing every route');
      for (const { runner } of entries) {
        await this.write(
          runner.service,
          'EXIT',
          this.linesFor(runner.service, 'EXIT'),
          undefined,
          deps.shutdownAckTimeoutMs,
        );
      }
    }
    for (const { runner, ready } of entries) {
      const { service } = runner;
      if (service.addresses.setup || service.addresses.dynamic) {
        deps.log.info(`${service.name}: exiting, deleting addresses`);
        await ready.addresses.remove(service.routes.prefixes);
      }
    }
  }

  /** Waits for a drain, cut short by a second stop or by ExaBGP leaving. */
  private async waitDrain(ms: number): Promise<void> {
    const cut = new AbortController();
    const onCut = () => cut.abort();
    this.drainCut.signal.addEventListener('abort', onCut, { once: true });
    void this.deps.api.gone.then(onCut);
    await this.deps.clock.sleep(ms, cut.signal);
    this.drainCut.signal.removeEventListener('abort', onCut);
  }

  // ---- ControlTarget ----

  private entry(name: string): Entry | ControlResult<never> {
    const entry = this.entries.get(name);
    if (entry) return entry;
    const known = [...this.entries.keys()].join(', ');
    return { ok: false, error: `unknown service '${name}' (known: ${known || 'none'})` };
  }

  status(): ProcessStatus {
    if (!this.deps.status) throw new Error('no status source configured');
    return this.deps.status();
  }

  disable(service: string, reason: string, by: string): ControlResult {
    const entry = this.entry(service);
    if ('ok' in entry) return entry;
    if (!this.deps.maintenance) return { ok: false, error: 'maintenance is not available' };
    try {
      this.deps.maintenance.set(service, { by, reason, since: Date.now() });
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    this.deps.log.info(`${service}: maintenance set by ${by}: ${reason}`);
    entry.runner.checkNow();
    return { ok: true, value: undefined };
  }

  enable(service: string): ControlResult {
    const entry = this.entry(service);
    if ('ok' in entry) return entry;
    try {
      this.deps.maintenance?.set(service, null);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    this.deps.log.info(`${service}: maintenance cleared`);
    this.deps.onDraining?.(service, false);
    if (entry.loop === null && !this.stopping) this.startLoop(entry);
    else entry.runner.checkNow();
    return { ok: true, value: undefined };
  }

  /** Moves traffic away (disabled attributes), waits the drain time, withdraws; `enable` brings it back. */
  async drain(service: string): Promise<ControlResult> {
    const entry = this.entry(service);
    if ('ok' in entry) return entry;
    if (this.stopping) return { ok: false, error: 'the process is stopping' };
    if (entry.loop === null) return { ok: false, error: `${service} is already drained` };
    const seconds = this.drainSeconds(entry.runner.service);
    // A drain lasts until `ctl enable` or a restart; only `ctl disable` is kept across restarts.
    this.deps.onDraining?.(service, true);
    await this.stopLoop(entry);
    const svc = entry.runner.service;
    this.deps.log.info(`${service}: draining for ${seconds} s`);
    await this.write(svc, 'DISABLED', this.linesFor(svc, 'DISABLED'));
    if (seconds > 0) await this.waitDrain(seconds * 1000);
    if (this.stopping) return { ok: true, value: undefined };
    await this.write(svc, 'EXIT', this.linesFor(svc, 'EXIT'));
    this.deps.log.info(`${service}: drained and withdrawn; 'ctl enable ${service}' brings it back`);
    return { ok: true, value: undefined };
  }

  async checkNow(service: string): Promise<ControlResult<CheckReport>> {
    const entry = this.entry(service);
    if ('ok' in entry) return entry;
    const report = await this.deps.makeCheck(entry.runner.service)(new AbortController().signal);
    entry.runner.checkNow();
    return { ok: true, value: report };
  }

  /**
   * Applies a new configuration without churn: unchanged services write nothing, removed ones are
   * withdrawn, added ones start, changed ones write only the lines that differ.
   */
  reload(): Promise<ControlResult<{ readonly summary: string }>> {
    // One reload at a time: two SIGHUPs in a row must not both withdraw a removed service.
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(): Promise<ControlResult<{ readonly summary: string }>> {
    const { deps } = this;
    if (!deps.reloadConfig || !deps.prepare) return { ok: false, error: 'reload is not available' };
    if (this.stopping) return { ok: false, error: 'the process is stopping' };
    const outcome = await deps.reloadConfig();
    if (!outcome.ok) {
      for (const error of outcome.errors) deps.log.error(`reload: ${error}`);
      return {
        ok: false,
        error: `invalid configuration, keeping the running one:\n${outcome.errors.join('\n')}`,
      };
    }
    const next = new Map(outcome.services.map((s) => [s.name, s]));
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    for (const [name, entry] of [...this.entries]) {
      if (next.has(name)) continue;
      await this.stopLoop(entry);
      const { service } = entry.runner;
      await this.write(service, 'EXIT', this.linesFor(service, 'EXIT'));
      if (service.addresses.setup || service.addresses.dynamic)
        await entry.ready.addresses.remove(service.routes.prefixes);
      this.entries.delete(name);
      removed.push(name);
    }
    for (const [name, configured] of next) {
      const entry = this.entries.get(name);
      const ready = await deps.prepare(configured);
      if (!entry) {
        const fresh = this.makeEntry(ready);
        this.entries.set(name, fresh);
        this.startLoop(fresh);
        added.push(name);
        continue;
      }
      const old = entry.runner.service;
      if (JSON.stringify(old) === JSON.stringify(ready.service)) continue;
      changed.push(name);
      entry.ready = ready;
      entry.lines = {};
      entry.runner.update(ready.service, deps.makeCheck(ready.service));
      await this.announceDifference(old, ready.service, entry.runner.snapshot.health.state);
    }
    deps.onServicesChanged?.(added, removed);
    // The summary says what changed; its reader (log, ctl) says that it was a reload.
    const summary = `${added.length} added, ${removed.length} removed, ${changed.length} changed, ${next.size - added.length - changed.length} unchanged`;
    deps.log.info(`reloaded: ${summary}`);
    return { ok: true, value: { summary } };
  }

  /** Withdraws prefixes no longer configured and writes the lines of the current state that changed. */
  private async announceDifference(old: Service, next: Service, state: HealthState): Promise<void> {
    const kept = new Set(next.routes.prefixes.map((p) => p.text));
    const gone = {
      ...old,
      routes: { ...old.routes, prefixes: old.routes.prefixes.filter((p) => !kept.has(p.text)) },
    };
    if (gone.routes.prefixes.length > 0) await this.write(old, 'EXIT', this.linesFor(gone, 'EXIT'));
    if (state !== 'UP' && state !== 'DOWN' && state !== 'DISABLED') return;
    const before = new Set(this.linesFor(old, state));
    const lines = this.linesFor(next, state).filter((line) => !before.has(line));
    if (lines.length > 0) await this.write(next, state, lines);
  }
}
