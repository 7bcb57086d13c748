// What a service's routes should say now: its health, and what an operator holds it to, never better than its health.
import { announcementsFor, type AnnounceTarget } from './announcer.js';
import { isAnnouncedState, type HealthState } from './health.js';
import type { RoutePolicy } from './route.js';

/** What an operator holds a service to: maintenance, a drain under way, or a finished drain. */
export type Hold = 'maintenance' | 'draining' | 'drained';

/** The drain's part of a hold: under way, finished, or none. */
export type Drain = 'draining' | 'drained' | null;

/**
 * What the checks last proved: UP or DOWN, the last of the two the state machine entered (RISING
 * after DOWN is still DOWN, FALLING after UP still UP), or null before either (or after the
 * reference's disable file, which stops the checks).
 */
export type Verdict = 'UP' | 'DOWN' | null;

/** The state an operator sees: the health state, or the state a drain made of it. */
export type ServiceState = HealthState | 'DRAINING' | 'DRAINED';

/** Keyed by every state: a state added to ServiceState and not here fails to compile. */
const LISTED: Record<ServiceState, true> = {
  INIT: true,
  RISING: true,
  FALLING: true,
  UP: true,
  DOWN: true,
  DISABLED: true,
  DRAINING: true,
  DRAINED: true,
};

/** Every state a service can show, in the order lists and metrics give them. */
export const SERVICE_STATES = Object.keys(LISTED) as readonly ServiceState[];

/** The verdict after the state machine entered `entered` (null: no change) from `verdict`. */
export function nextVerdict(verdict: Verdict, entered: HealthState | null): Verdict {
  if (entered === 'UP' || entered === 'DOWN') return entered;
  if (entered === 'INIT' || entered === 'DISABLED') return null;
  return verdict;
}

/** The state shown for a health state under a hold. */
export function shownState(health: HealthState, hold: Hold | null): ServiceState {
  if (hold === 'drained') return 'DRAINED';
  if (hold === 'draining') return 'DRAINING';
  if (hold === 'maintenance') return 'DISABLED';
  return health;
}

/**
 * How little a router would prefer the routes of `target`, as the BGP decision process ranks
 * them: the AS path length, then the MED; a withdrawal is least preferred of all. (The local
 * preference, first in that process, is one value for every state.) Every prefix of a policy
 * shares its attributes but the MED, which grows by the same `increase` in each state, so the first
 * prefix ranks the whole set.
 */
export function preference(policy: RoutePolicy, target: AnnounceTarget): readonly [number, number] {
  const first = announcementsFor(policy, target)[0];
  if (first === undefined || first.action === 'withdraw') return [Infinity, Infinity];
  return [first.asPath?.length ?? 0, first.med];
}

/** Whether a router would prefer the routes of `a` to those of `b`. */
export function isPreferred(policy: RoutePolicy, a: AnnounceTarget, b: AnnounceTarget): boolean {
  const [pathA, medA] = preference(policy, a);
  const [pathB, medB] = preference(policy, b);
  return pathA !== pathB ? pathA < pathB : medA < medB;
}

/**
 * The routes a held service announces: the disabled attributes while its checks prove it UP,
 * otherwise the less preferred of the disabled and the down attributes, so that holding a service
 * never draws traffic to it. A finished drain withdraws.
 */
function heldTarget(policy: RoutePolicy, verdict: Verdict, hold: Hold): AnnounceTarget {
  if (hold === 'drained') return 'EXIT';
  if (verdict === 'UP') return 'DISABLED';
  return isPreferred(policy, 'DISABLED', 'DOWN') ? 'DOWN' : 'DISABLED';
}

/**
 * What the service's routes should say now, or null for "nothing yet" (INIT, RISING, FALLING with
 * no hold: the reference writes nothing there, and the last announcement stands).
 */
export function routeTarget(
  policy: RoutePolicy,
  health: HealthState,
  verdict: Verdict,
  hold: Hold | null,
): AnnounceTarget | null {
  if (hold !== null) return heldTarget(policy, verdict, hold);
  return isAnnouncedState(health) ? health : null;
}

/** The hold made of a drain and maintenance: a drain comes first. */
export function holdOf(drain: Drain, maintenance: boolean): Hold | null {
  return drain ?? (maintenance ? 'maintenance' : null);
}
