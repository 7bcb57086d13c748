// The reference healthcheck's defaults, shared by every config source.
import type { Timing } from '../core/service.js';

export const DEFAULT_TIMING: Timing = {
  interval: 5,
  fastInterval: 1,
  timeout: 5,
  rise: 3,
  fall: 3,
  debounce: false,
  minStateTime: 0,
  jitter: 0,
};

/**
 * A YAML config's timing: the reference's, except that a service announces only when its state
 * changes (`debounce: true`). The README says why: re-announcing every cycle reaches no peer, since
 * ExaBGP sends no UPDATE for a route it already has, and costs ExaBGP a line per service per cycle.
 */
export const YAML_DEFAULT_TIMING: Timing = { ...DEFAULT_TIMING, debounce: true };

export const DEFAULT_METRICS = { UP: 100, DOWN: 1000, DISABLED: 500 } as const;
export const DEFAULT_INCREASE = 1;
/** Networks larger than this are refused by `--deaggregate-networks` rather than flooding the API. */
export const MAX_DEAGGREGATED = 65536;
/** Checks running at once in one process, over every service. */
export const DEFAULT_MAX_CONCURRENT_CHECKS = 64;
