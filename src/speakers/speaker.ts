// The one interface the runtime writes routes through, whatever BGP speaker carries them.
import type { AnnounceTarget } from '../core/announcer.js';
import type { RoutePolicy } from '../core/route.js';

/** Whose routes a write concerns: a service's name and the policy its routes follow. */
export interface RouteOwner {
  readonly name: string;
  readonly routes: RoutePolicy;
}

/** One service's routes, moved to `target`: `lines` are ExaBGP's text for it (encoded once). */
export interface RouteWrite {
  readonly owner: RouteOwner;
  readonly target: AnnounceTarget;
  readonly lines: readonly string[];
}

/**
 * A BGP speaker as the runtime sees it. ExaBGP's adapter writes `lines` on its API stream; the
 * others keep the desired routes of every service (a write of the owner's prefixes replaces what
 * they said before) and apply the whole set idempotently to their speaker.
 */
export interface Speaker {
  /** The speaker's name in log lines ("ExaBGP", "BIRD", ...). */
  readonly name: string;
  /**
   * Moves the owner's routes to `target`. Resolves once the speaker took it (or gave up: failures
   * are logged and retried by the adapter, never thrown), with how many lines were written.
   */
  write(
    owner: RouteOwner,
    target: AnnounceTarget,
    lines: readonly string[],
    signal?: AbortSignal,
    ackTimeoutMs?: number,
  ): Promise<number>;
  /**
   * Writes every change at once under one deadline (a stop or a drain of every service). Resolves
   * with how many the speaker acknowledged; 0 says the speaker routes nothing any more.
   */
  writeAll(writes: readonly RouteWrite[], deadlineMs: number): Promise<number>;
  /** Whether routes can still be written. */
  readonly writable: boolean;
  /** The speaker said it is shutting down, or is gone: it will route nothing more. */
  readonly isShuttingDown: boolean;
  /** Resolves when the speaker is leaving (never, for a speaker that cannot say so). */
  readonly leaving: Promise<void>;
}
