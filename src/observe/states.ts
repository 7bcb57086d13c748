// The health states as operators see them, listed once for metrics labels, the status page and Nagios.
import type { HealthState } from '../core/health.js';

/** Keyed by every state: a state added to HealthState and not here fails to compile. */
const LISTED: Record<HealthState, true> = {
  INIT: true,
  DISABLED: true,
  RISING: true,
  FALLING: true,
  UP: true,
  DOWN: true,
};

/** Every health state, in display order. */
export const HEALTH_STATES = Object.keys(LISTED) as readonly HealthState[];

/** Every change of state a service could go through, for counters that start at 0. */
export const STATE_CHANGES: readonly (readonly [HealthState, HealthState])[] =
  HEALTH_STATES.flatMap((from) =>
    HEALTH_STATES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
