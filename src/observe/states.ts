// The states as operators see them, listed once for metrics labels, the status page and Nagios.
import { SERVICE_STATES, type ServiceState } from '../core/route-target.js';

/** Every state a service can show, in display order. */
export const HEALTH_STATES: readonly ServiceState[] = SERVICE_STATES;

/** Every change of state a service could go through, for counters that start at 0. */
export const STATE_CHANGES: readonly (readonly [ServiceState, ServiceState])[] =
  HEALTH_STATES.flatMap((from) =>
    HEALTH_STATES.filter((to) => to !== from).map((to) => [from, to] as const),
  );
