// The garbage collector, where the process was started with `--expose-gc` (the bin's `#!` line
// and the single executable are).

/**
 * A full collection now, or nothing without `--expose-gc`. After a large transient allocation
 * (parsing a services file of a thousand entries takes some 25 MB of heap for a moment) V8 sizes
 * the old generation's next limit from what was live at its last collection; collecting once the
 * parse is garbage sets that limit from the services alone.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
