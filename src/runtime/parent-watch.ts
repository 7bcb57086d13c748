// Notices that the process that started us (ExaBGP) is gone, as the reference does: it exits then.
import type { Clock } from './clock.js';

/**
 * The parent as the process started, read when this module loads. Read later (after the start-up
 * awaits), a parent that died meanwhile has already been replaced by the reaper, and its
 * departure would never be seen.
 */
export const PARENT_AT_START = process.ppid;

export interface ParentWatchOptions {
  readonly clock: Pick<Clock, 'after'>;
  readonly everyMs: number;
  /** The parent's pid at start. */
  readonly parent?: number;
  /** The parent's pid now. */
  readonly currentParent?: () => number;
}

/**
 * Calls `onGone` once, at the first look (every `everyMs`) that finds another parent than the
 * one at start. Returns a function that ends the watch.
 */
export function watchParent(onGone: () => void, options: ParentWatchOptions): () => void {
  const parent = options.parent ?? PARENT_AT_START;
  const currentParent = options.currentParent ?? (() => process.ppid);
  let cancel: (() => void) | null = null;
  const look = (): void => {
    if (currentParent() !== parent) {
      cancel = null;
      onGone();
      return;
    }
    cancel = options.clock.after(options.everyMs, look);
  };
  cancel = options.clock.after(options.everyMs, look);
  return () => {
    cancel?.();
    cancel = null;
  };
}
