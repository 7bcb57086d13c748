// The desired routes of every service, and a speaker that applies the whole set (debounced, retried).
import { setTimeout as delay } from 'node:timers/promises';
import { announcementsFor, type AnnounceTarget } from '../core/announcer.js';
import type { Logger } from '../core/logger.js';
import type { IpPrefix } from '../core/ip.js';
import type { AnnounceCommand, RoutePolicy } from '../core/route.js';
import type { RouteOwner, RouteWrite, Speaker } from './speaker.js';

/** One announced route of ours, with the target of the service it belongs to. */
export interface DesiredRoute {
  readonly owner: string;
  readonly target: AnnounceTarget;
  readonly command: AnnounceCommand;
}

/** A prefix some service routes, announced or not, with the path identifier its policy gives it. */
export interface ManagedPrefix {
  readonly prefix: IpPrefix;
  readonly pathId: number | null;
}

/** The prefixes a policy routes, each with its path identifier. */
export const managedPrefixes = (routes: RoutePolicy): ManagedPrefix[] =>
  routes.prefixes.map((prefix) => ({ prefix, pathId: routes.pathId || null }));

/**
 * The routes every service wants announced, keyed by prefix: a write of an owner's routes replaces
 * what it said of those prefixes, and a withdrawal removes them. Prefixes another write does not
 * name are kept, so a reload can withdraw only the prefixes it dropped.
 */
export class DesiredRoutes {
  private readonly routes = new Map<string, DesiredRoute>();
  /** The last write of each owner, so that the refresh of every cycle costs a comparison. */
  private readonly last = new Map<string, { routes: RoutePolicy; target: AnnounceTarget }>();

  /** Records the owner's routes at `target`; whether the set changed. */
  set(owner: RouteOwner, target: AnnounceTarget): boolean {
    const last = this.last.get(owner.name);
    if (last !== undefined && last.routes === owner.routes && last.target === target) return false;
    this.last.set(owner.name, { routes: owner.routes, target });
    let changed = false;
    for (const command of announcementsFor(owner.routes, target)) {
      const key = command.prefix.text;
      const before = this.routes.get(key);
      if (command.action === 'withdraw') {
        if (before !== undefined) changed = this.routes.delete(key);
        continue;
      }
      const route: DesiredRoute = { owner: owner.name, target, command };
      if (before === undefined || JSON.stringify(before) !== JSON.stringify(route)) {
        this.routes.set(key, route);
        changed = true;
      }
    }
    return changed;
  }

  /** Every prefix of every owner's last write, announced or withdrawn: the prefixes we manage. */
  managed(): ManagedPrefix[] {
    return [...this.last.values()].flatMap(({ routes }) => managedPrefixes(routes));
  }

  /** Every desired route, IPv4 before IPv6, each family in prefix order: the same set, the same list. */
  list(): DesiredRoute[] {
    return [...this.routes.values()].sort(
      (a, b) =>
        a.command.prefix.family - b.command.prefix.family ||
        compareText(a.command.prefix.text, b.command.prefix.text),
    );
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Carries a set of routes to one speaker. */
export interface RouteApplier {
  /**
   * Makes the speaker announce exactly `routes` of ours; throws an Error that says why it could not.
   * `managed` names every prefix the services route, announced or not.
   */
  apply(routes: readonly DesiredRoute[], managed: readonly ManagedPrefix[]): Promise<void>;
}

export interface SetSpeakerOptions {
  readonly log: Logger;
  /** Told of every apply: whether it worked. */
  readonly onApply?: (ok: boolean) => void;
  /** The first retry after a failure; each next one waits twice as long, up to `maxRetryMs`. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

/**
 * A speaker driven by the whole set of routes (a file, an API): writes made in one turn of the
 * event loop are applied together, one apply at a time; a failed apply is logged, counted and
 * retried with backoff until one works or the set changes again.
 */
export class SetSpeaker implements Speaker {
  readonly writable = true;
  readonly isShuttingDown = false;
  readonly leaving = new Promise<void>(() => {});
  private readonly desired = new DesiredRoutes();
  private pending: Promise<boolean> | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    readonly name: string,
    private readonly applier: RouteApplier,
    private readonly options: SetSpeakerOptions,
  ) {}

  write(owner: RouteOwner, target: AnnounceTarget, lines: readonly string[]): Promise<number> {
    // An unchanged set needs no apply: a failed one is retried on its own schedule.
    if (!this.desired.set(owner, target)) return Promise.resolve(lines.length);
    return this.schedule().then(() => lines.length);
  }

  async writeAll(writes: readonly RouteWrite[], deadlineMs: number): Promise<number> {
    for (const { owner, target } of writes) this.desired.set(owner, target);
    const timer = delay(deadlineMs, false, { ref: false });
    const ok = await Promise.race([this.schedule(), timer]);
    return ok ? writes.length : 0;
  }

  /** The routes the speaker is asked to carry now. */
  routes(): DesiredRoute[] {
    return this.desired.list();
  }

  /** Applies the current set now (at start: the empty set replaces what a previous run left). */
  sync(): Promise<boolean> {
    return this.schedule();
  }

  /** Resolves once every write made so far was applied (or failed). */
  async idle(): Promise<void> {
    await this.pending;
    await this.running;
  }

  private schedule(): Promise<boolean> {
    this.pending ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.running)
      .then(() => {
        this.pending = null;
        const run = this.applyNow();
        this.running = run;
        return run;
      });
    return this.pending;
  }

  private async applyNow(): Promise<boolean> {
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    const routes = this.desired.list();
    try {
      await this.applier.apply(routes, this.desired.managed());
    } catch (error) {
      this.failures++;
      const wait = Math.min(
        (this.options.retryMs ?? 1000) * 2 ** (this.failures - 1),
        this.options.maxRetryMs ?? 30_000,
      );
      this.options.log.error(
        `${this.name}: could not apply ${routes.length} route${routes.length === 1 ? '' : 's'} (attempt ${this.failures}, next in ${wait / 1000} s): ${(error as Error).message}`,
      );
      this.options.onApply?.(false);
      this.retry = setTimeout(() => void this.schedule(), wait);
      this.retry.unref();
      return false;
    }
    if (this.failures > 0)
      this.options.log.info(`${this.name}: routes applied after ${this.failures} failures`);
    this.failures = 0;
    this.options.onApply?.(true);
    return true;
  }
}
