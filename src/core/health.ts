// The health state machine of ExaBGP's healthcheck, as a pure function of one observation.

export type HealthState = 'INIT' | 'DISABLED' | 'RISING' | 'FALLING' | 'UP' | 'DOWN';
/** The states in which routes are written to ExaBGP. */
export type AnnouncedState = 'UP' | 'DOWN' | 'DISABLED';

export interface Health {
  readonly state: HealthState;
  /** Consecutive checks counted towards rise (in RISING) or fall (in FALLING). */
  readonly count: number;
}

export interface Observation {
  /** The disable file (or a maintenance request) is present. */
  readonly disabled: boolean;
  /** The checks passed. */
  readonly ok: boolean;
}

export interface Thresholds {
  readonly rise: number;
  readonly fall: number;
}

export interface Step {
  readonly health: Health;
  /** The state entered by this step, or null when the state stayed the same. */
  readonly entered: HealthState | null;
}

export const INITIAL_HEALTH: Health = { state: 'INIT', count: 0 };

export function isAnnouncedState(state: HealthState): state is AnnouncedState {
  return state === 'UP' || state === 'DOWN' || state === 'DISABLED';
}

/** Moves towards `target`, taking the rise/fall shortcut when the threshold is 1 or less. */
function enter(target: HealthState, count: number, t: Thresholds): Step {
  let state = target;
  if (state === 'RISING' && t.rise <= 1) state = 'UP';
  else if (state === 'FALLING' && t.fall <= 1) state = 'DOWN';
  return { health: { state, count }, entered: state };
}

function stay(health: Health, count = health.count): Step {
  return { health: { state: health.state, count }, entered: null };
}

/** One cycle of the state machine, row for row as the reference's table. */
export function nextHealth(health: Health, observation: Observation, t: Thresholds): Step {
  const { disabled } = observation;
  const ok = disabled || observation.ok;
  const { state, count } = health;
  if (state !== 'DISABLED' && disabled) return enter('DISABLED', count, t);
  switch (state) {
    case 'INIT':
      if (ok && t.rise <= 1) return enter('UP', count, t);
      return enter(ok ? 'RISING' : 'FALLING', 1, t);
    case 'DISABLED':
      return disabled ? stay(health) : enter('INIT', count, t);
    case 'RISING':
      if (!ok) return enter('FALLING', 1, t);
      return count + 1 >= t.rise ? enter('UP', count + 1, t) : stay(health, count + 1);
    case 'FALLING':
      if (ok) return enter('RISING', 1, t);
      return count + 1 >= t.fall ? enter('DOWN', count + 1, t) : stay(health, count + 1);
    case 'UP':
      return ok ? stay(health) : enter('FALLING', 1, t);
    case 'DOWN':
      return ok ? enter('RISING', 1, t) : stay(health);
  }
}

/** Whether the loop waits the fast interval (a change is under way) or the normal one. */
export function usesFastInterval(state: HealthState): boolean {
  return state === 'RISING' || state === 'FALLING';
}
