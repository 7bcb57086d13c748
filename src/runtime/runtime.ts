// Runs every service's loop and carries out what operators ask: maintenance, check now, drain, reload, stop.
import { announcementsFor, type AnnounceTarget } from '../core/announcer.js';
import { encodeExabgpText, type ApiForm } from '../core/encoder.js';
import type { Logger } from '../core/logger.js';
import { isPreferred, preference, type ServiceState } from '../core/route-target.js';
import type { Service } from '../core/service.js';
import type { AddressManager } from '../host/addresses.js';
import type { RouteOwner, RouteWrite, Speaker } from '../speakers/speaker.js';
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
  /** Where routes go: ExaBGP's text API, or another speaker's adapter. */
  readonly speaker: Speaker;
  readonly apiForm: ApiForm;
  readonly clock: Clock;
  readonly log: Logger;
  readonly makeCheck: (service: Service) => (signal: AbortSignal) => Promise<CheckReport>;
  /** Whether the disable file of the service exists. */
  readonly disableFileExists: (service: Service) => boolean;
  readonly runHooks: (
    service: Service,
    commands: readonly string[],
    state: ServiceState,
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
  /** How long the acks of the lines written at shutdown are waited for, all together. */
  readonly shutdownAckTimeoutMs?: number;
  readonly onServicesChanged?: (added: readonly string[], removed: readonly string[]) => void;
}

/**
 * Why the runtime stopped: a signal (drain where configured, then withdraw), ExaBGP gone (withdraw
 * while stdout works, no drain), or every loop ended.
 */
export type StopReason = 'signal' | 'gone' | 'end';

/** The longest drain we wait for, whatever is configured: a stop must stay bounded. */
export const MAX_DRAIN_SECONDS = 300;

/** How long lines written while ExaBGP is going away may take: it acks nothing more. */
const LEAVING_WRITE_MS = 500;

const DONE = Promise.resolve();

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
  /** What was last written for the service: what the stream says of its routes now. */
  written: AnnounceTarget | null;
  /** Ends a drain's wait early (`ctl enable`). */
  drainCut: AbortController | null;
  /** The last write while the speaker has not acknowledged it yet, null once it has. */
  unacked: { readonly target: AnnounceTarget; readonly lines: readonly string[] } | null;
}

/** Whether `target` withdraws the routes of `service` (EXIT, or DOWN and DISABLED with withdraw-on-down). */
function withdraws(service: Service, target: AnnounceTarget): boolean {
  return preference(service.routes, target)[0] === Infinity;
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
      written: null,
      drainCut: null,
      unacked: null,
      runner: undefined as unknown as ServiceRunner,
    };
    const disableFile = (maintenance: boolean): boolean => {
      const current = entry.runner.service;
      return (
        (current.disableMode === 'maintenance') === maintenance && deps.disableFileExists(current)
      );
    };
    entry.runner = new ServiceRunner(service, {
      clock: deps.clock,
      check: deps.makeCheck(service),
      isDisabled: () => disableFile(false),
      inMaintenance: () =>
        deps.maintenance?.get(entry.runner.service.name) != null || disableFile(true),
      runHooks: (commands, state) =>
        deps.runHooks(entry.runner.service, commands, state, entry.controller.signal),
      announce: (target, signal) => this.announce(entry, target, signal),
      lastAnnounced: () => entry.written,
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
    owner: RouteOwner,
    target: AnnounceTarget,
    lines: readonly string[],
    signal?: AbortSignal,
    ackTimeoutMs?: number,
  ): Promise<number> {
    return this.deps.speaker.write(owner, target, lines, signal, ackTimeoutMs).then((taken) => {
      this.deps.observer?.announced?.(owner.name, target, lines);
      return taken;
    });
  }

  /**
   * Writes the lines of `target` for the entry's service and records it as what the stream says;
   * the record is made when the lines are queued, so it always names the last lines queued.
   */
  private writeTarget(
    entry: Entry,
    target: AnnounceTarget,
    signal?: AbortSignal,
    lines: readonly string[] = this.linesOf(entry, target),
  ): Promise<void> {
    const { service } = entry.runner;
    const refresh = entry.written === target;
    const pending = entry.unacked;
    if (refresh && pending?.target === target && pending.lines === lines) {
      // The same lines again while the speaker has not taken the last ones: they would only queue
      // behind them, and behind them every other service's change.
      this.deps.log.debug(`${service.name}: ${target} not acknowledged yet, refresh skipped`);
      return DONE;
    }
    entry.written = target;
    const mark = { target, lines };
    entry.unacked = mark;
    const clear = (): void => {
      if (entry.unacked === mark) entry.unacked = null;
    };
    const taken = (count: number): void => {
      clear();
      // Lines the speaker refused or never answered are written again at the next check, whatever
      // `debounce` says: announcing on change must not leave a change untaken.
      if (count < lines.length && entry.written === target && !this.stopping && !signal?.aborted) {
        entry.written = null;
      }
    };
    const written = this.write(service, target, lines, signal);
    written.then(taken, clear);
    // A change is waited for (its hooks, addresses and drain follow it); a refresh is not: the
    // next check must not wait for a busy ExaBGP to answer, or every decision waits with it.
    return refresh ? DONE : written.then(() => undefined);
  }

  private announce(entry: Entry, target: AnnounceTarget, signal: AbortSignal): Promise<void> {
    const { service } = entry.runner;
    if (this.stopping || signal.aborted) return Promise.resolve();
    if (service.addresses.dynamic) return this.announceDynamic(entry, target, signal);
    this.deps.log.debug(
      `${service.name}: send announces for ${target} state to ${this.deps.speaker.name}`,
    );
    return this.writeTarget(entry, target, signal);
  }

  /** With dynamic addresses, the address is added before UP and removed after DOWN or DISABLED. */
  private async announceDynamic(
    entry: Entry,
    target: AnnounceTarget,
    signal: AbortSignal,
  ): Promise<void> {
    const { service } = entry.runner;
    const { addresses } = entry.ready;
    const { prefixes } = service.routes;
    if (target === 'UP') {
      this.deps.log.info(`${service.name}: service up, restoring addresses`);
      await addresses.setup(prefixes);
      // A hold that began while the addresses were set up has written its own lines since.
      if (entry.runner.target !== 'UP' || this.stopping) return;
    }
    this.deps.log.debug(
      `${service.name}: send announces for ${target} state to ${this.deps.speaker.name}`,
    );
    await this.writeTarget(entry, target, signal);
    if (target !== 'UP' && !signal.aborted) {
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
   * Stops every loop once. On a signal, drains where configured (never a service whose routes a
   * drain would not make less preferred), then withdraws every prefix of every service at once,
   * and removes the addresses that were set up. When ExaBGP is going away (it closed our stdin or
   * said it is shutting down) there is no drain, and the withdrawals are written while stdout
   * works, without waiting for acks. A second request during a drain cuts the drain short.
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
    const ackDeadline = deps.shutdownAckTimeoutMs ?? 2000;
    const { speaker } = deps;
    if (reason === 'signal' && !speaker.isShuttingDown) await this.drainAll(entries, ackDeadline);
    const leaving = reason === 'gone' || speaker.isShuttingDown;
    if (speaker.writable) {
      deps.log.info(
        leaving
          ? `exiting: ${speaker.name} is going away, withdrawing every route without a drain`
          : 'exiting: withdrawing every route',
      );
      const writes = entries.map((entry): RouteWrite => {
        entry.written = 'EXIT';
        return { owner: entry.runner.service, target: 'EXIT', lines: this.linesOf(entry, 'EXIT') };
      });
      await speaker.writeAll(
        writes,
        leaving ? Math.min(ackDeadline, LEAVING_WRITE_MS) : ackDeadline,
      );
      for (const entry of entries)
        deps.observer?.announced?.(entry.runner.service.name, 'EXIT', this.linesOf(entry, 'EXIT'));
    }
    for (const { runner, ready } of entries) {
      const { service } = runner;
      if (service.addresses.setup || service.addresses.dynamic) {
        deps.log.info(`${service.name}: exiting, deleting addresses`);
        await ready.addresses.remove(service.routes.prefixes);
      }
    }
  }

  /**
   * The drain at a stop: the services that announce something a drain makes less preferred
   * announce it, all at once, and the longest drain time is waited. Nothing is waited when ExaBGP
   * acknowledged none of those lines (it is not routing any more), nor past a second stop request
   * or ExaBGP leaving.
   */
  private async drainAll(entries: readonly Entry[], ackDeadline: number): Promise<void> {
    const { deps } = this;
    let longest = 0;
    const writes: RouteWrite[] = [];
    for (const entry of entries) {
      const { runner } = entry;
      const seconds = this.drainSeconds(runner.service);
      const { hold } = runner.snapshot;
      if (seconds <= 0 || hold === 'drained' || entry.written === null) continue;
      if (withdraws(runner.service, entry.written)) continue;
      if (hold !== 'draining') void runner.setDrain('draining', 'stopping');
      const target = runner.target;
      // A drain that moves nothing (the routes already say as little) is not waited for.
      if (target === null || target === entry.written || withdraws(runner.service, target))
        continue;
      deps.log.info(`${runner.service.name}: draining for ${seconds} s`);
      longest = Math.max(longest, seconds);
      entry.written = target;
      const own = this.linesOf(entry, target);
      deps.observer?.announced?.(runner.service.name, target, own);
      writes.push({ owner: runner.service, target, lines: own });
    }
    if (longest === 0) return;
    const acked = await deps.speaker.writeAll(writes, ackDeadline);
    if (acked === 0 && !deps.speaker.isShuttingDown) {
      deps.log.warn(
        `${deps.speaker.name} acknowledged none of the drain: withdrawing without waiting`,
      );
      return;
    }
    await this.waitDrain(longest * 1000);
  }

  /** Waits for a drain, cut short by a second stop, by ExaBGP leaving, or by `cut`. */
  private async waitDrain(ms: number, cut?: AbortSignal): Promise<void> {
    const done = new AbortController();
    const onCut = () => done.abort();
    this.drainCut.signal.addEventListener('abort', onCut, { once: true });
    cut?.addEventListener('abort', onCut, { once: true });
    void this.deps.speaker.leaving.then(onCut);
    await this.deps.clock.sleep(ms, done.signal);
    this.drainCut.signal.removeEventListener('abort', onCut);
    cut?.removeEventListener('abort', onCut);
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
    void entry.runner.reconsider(entry.controller.signal);
    return { ok: true, value: undefined };
  }

  /** Ends maintenance and any drain: the routes follow the checks again at once. */
  enable(service: string): ControlResult {
    const entry = this.entry(service);
    if ('ok' in entry) return entry;
    try {
      this.deps.maintenance?.set(service, null);
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
    this.deps.log.info(`${service}: maintenance cleared`);
    entry.drainCut?.abort();
    entry.drainCut = null;
    void entry.runner.setDrain(null, 'enabled');
    if (entry.loop === null && !this.stopping) this.startLoop(entry);
    void entry.runner.reconsider(entry.controller.signal);
    return { ok: true, value: undefined };
  }

  /**
   * Moves traffic away (the disabled attributes, never better than the checks prove), waits the
   * drain time, withdraws, and keeps the routes withdrawn (DRAINED) until `enable`.
   */
  async drain(service: string): Promise<ControlResult> {
    const entry = this.entry(service);
    if ('ok' in entry) return entry;
    if (this.stopping) return { ok: false, error: 'the process is stopping' };
    const { runner } = entry;
    const { hold } = runner.snapshot;
    if (hold === 'draining' || hold === 'drained')
      return { ok: false, error: `${service} is already ${hold}` };
    const seconds = this.drainSeconds(runner.service);
    const cut = new AbortController();
    entry.drainCut = cut;
    // A drain lasts until `ctl enable` or a restart; only `ctl disable` is kept across restarts.
    const hooks = runner.setDrain('draining', 'ctl drain');
    const target = runner.target ?? 'EXIT';
    const { written } = entry;
    // Only routes that are out there can be drained; a drain that changes nothing is not waited.
    const moves =
      seconds > 0 &&
      written !== null &&
      !withdraws(runner.service, written) &&
      target !== written &&
      !withdraws(runner.service, target);
    if (moves) {
      this.deps.log.info(`${service}: draining for ${seconds} s`);
      await this.writeTarget(entry, target);
      await this.waitDrain(seconds * 1000, cut.signal);
    }
    await hooks;
    if (this.stopping || cut.signal.aborted) return { ok: true, value: undefined };
    entry.drainCut = null;
    await runner.setDrain('drained', 'drain finished');
    await this.writeTarget(entry, 'EXIT');
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
      await this.announceDifference(entry, old);
    }
    deps.onServicesChanged?.(added, removed);
    // The summary says what changed; its reader (log, ctl) says that it was a reload.
    const summary = `${added.length} added, ${removed.length} removed, ${changed.length} changed, ${next.size - added.length - changed.length} unchanged`;
    deps.log.info(`reloaded: ${summary}`);
    return { ok: true, value: { summary } };
  }

  /**
   * What a standing announcement (written before INIT, RISING or FALLING, which write nothing) says
   * under a new configuration: the same, unless the checks do not prove the service UP and the new
   * attributes make it better than DOWN's.
   */
  private standing(entry: Entry, before: AnnounceTarget | null): AnnounceTarget | null {
    const { runner } = entry;
    if (before === null || before === 'UP' || before === 'EXIT') return before;
    if (runner.snapshot.verdict === 'UP') return before;
    return isPreferred(runner.service.routes, before, 'DOWN') ? 'DOWN' : before;
  }

  /**
   * Withdraws prefixes no longer configured, and writes what the routes should say now with the new
   * configuration (a hold's target may change with the attributes), only the lines that changed.
   */
  private async announceDifference(entry: Entry, old: Service): Promise<void> {
    const next = entry.runner.service;
    const kept = new Set(next.routes.prefixes.map((p) => p.text));
    const gone = {
      ...old,
      routes: { ...old.routes, prefixes: old.routes.prefixes.filter((p) => !kept.has(p.text)) },
    };
    if (gone.routes.prefixes.length > 0) await this.write(old, 'EXIT', this.linesFor(gone, 'EXIT'));
    const before = entry.written;
    const target = entry.runner.target ?? this.standing(entry, before);
    if (target === null) return;
    const written = new Set(before === null ? [] : this.linesFor(old, before));
    const lines = this.linesOf(entry, target).filter((line) => !written.has(line));
    if (lines.length > 0 || target !== before)
      await this.writeTarget(entry, target, undefined, lines);
  }
}
