// The state machine, row for row as COMPAT.md's table and the reference's `one()`.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INITIAL_HEALTH,
  isAnnouncedState,
  nextHealth,
  usesFastInterval,
  type Health,
  type HealthState,
  type Observation,
  type Thresholds,
} from '../../src/core/health.js';

const OK: Observation = { disabled: false, ok: true };
const FAIL: Observation = { disabled: false, ok: false };
const DISABLED_FAILING: Observation = { disabled: true, ok: false };
const DISABLED_OK: Observation = { disabled: true, ok: true };
const T33: Thresholds = { rise: 3, fall: 3 };

interface Row {
  readonly name: string;
  readonly from: Health;
  readonly observation: Observation;
  readonly thresholds: Thresholds;
  readonly to: Health;
  readonly entered: HealthState | null;
}

const h = (state: HealthState, count: number): Health => ({ state, count });

const ROWS: readonly Row[] = [
  {
    name: 'INIT, ok, rise 3 -> RISING (count 1)',
    from: h('INIT', 0),
    observation: OK,
    thresholds: T33,
    to: h('RISING', 1),
    entered: 'RISING',
  },
  {
    name: 'INIT, ok, rise 1 -> UP',
    from: h('INIT', 0),
    observation: OK,
    thresholds: { rise: 1, fall: 3 },
    to: h('UP', 0),
    entered: 'UP',
  },
  {
    name: 'INIT, ok, rise 0 -> UP',
    from: h('INIT', 0),
    observation: OK,
    thresholds: { rise: 0, fall: 3 },
    to: h('UP', 0),
    entered: 'UP',
  },
  {
    name: 'INIT, not ok, fall 3 -> FALLING (count 1)',
    from: h('INIT', 0),
    observation: FAIL,
    thresholds: T33,
    to: h('FALLING', 1),
    entered: 'FALLING',
  },
  {
    name: 'INIT, not ok, fall 1 -> DOWN',
    from: h('INIT', 0),
    observation: FAIL,
    thresholds: { rise: 3, fall: 1 },
    to: h('DOWN', 1),
    entered: 'DOWN',
  },
  {
    name: 'RISING, ok, count+1 below rise -> RISING',
    from: h('RISING', 1),
    observation: OK,
    thresholds: T33,
    to: h('RISING', 2),
    entered: null,
  },
  {
    name: 'RISING, ok, count+1 reaches rise -> UP',
    from: h('RISING', 2),
    observation: OK,
    thresholds: T33,
    to: h('UP', 3),
    entered: 'UP',
  },
  {
    name: 'RISING, not ok -> FALLING (count 1)',
    from: h('RISING', 2),
    observation: FAIL,
    thresholds: T33,
    to: h('FALLING', 1),
    entered: 'FALLING',
  },
  {
    name: 'RISING, not ok, fall 1 -> DOWN',
    from: h('RISING', 2),
    observation: FAIL,
    thresholds: { rise: 3, fall: 1 },
    to: h('DOWN', 1),
    entered: 'DOWN',
  },
  {
    name: 'FALLING, not ok, count+1 below fall -> FALLING',
    from: h('FALLING', 1),
    observation: FAIL,
    thresholds: T33,
    to: h('FALLING', 2),
    entered: null,
  },
  {
    name: 'FALLING, not ok, count+1 reaches fall -> DOWN',
    from: h('FALLING', 2),
    observation: FAIL,
    thresholds: T33,
    to: h('DOWN', 3),
    entered: 'DOWN',
  },
  {
    name: 'FALLING, ok -> RISING (count 1)',
    from: h('FALLING', 2),
    observation: OK,
    thresholds: T33,
    to: h('RISING', 1),
    entered: 'RISING',
  },
  {
    name: 'FALLING, ok, rise 1 -> UP',
    from: h('FALLING', 2),
    observation: OK,
    thresholds: { rise: 1, fall: 3 },
    to: h('UP', 1),
    entered: 'UP',
  },
  {
    name: 'UP, ok -> UP',
    from: h('UP', 3),
    observation: OK,
    thresholds: T33,
    to: h('UP', 3),
    entered: null,
  },
  {
    name: 'UP, not ok -> FALLING (count 1)',
    from: h('UP', 3),
    observation: FAIL,
    thresholds: T33,
    to: h('FALLING', 1),
    entered: 'FALLING',
  },
  {
    name: 'UP, not ok, fall 1 -> DOWN',
    from: h('UP', 3),
    observation: FAIL,
    thresholds: { rise: 3, fall: 1 },
    to: h('DOWN', 1),
    entered: 'DOWN',
  },
  {
    name: 'DOWN, not ok -> DOWN',
    from: h('DOWN', 3),
    observation: FAIL,
    thresholds: T33,
    to: h('DOWN', 3),
    entered: null,
  },
  {
    name: 'DOWN, ok -> RISING (count 1)',
    from: h('DOWN', 3),
    observation: OK,
    thresholds: T33,
    to: h('RISING', 1),
    entered: 'RISING',
  },
  {
    name: 'DOWN, ok, rise 1 -> UP',
    from: h('DOWN', 3),
    observation: OK,
    thresholds: { rise: 1, fall: 3 },
    to: h('UP', 1),
    entered: 'UP',
  },
  {
    name: 'DISABLED, still disabled -> DISABLED',
    from: h('DISABLED', 2),
    observation: DISABLED_FAILING,
    thresholds: T33,
    to: h('DISABLED', 2),
    entered: null,
  },
  {
    name: 'DISABLED, not disabled -> INIT (count kept)',
    from: h('DISABLED', 2),
    observation: FAIL,
    thresholds: T33,
    to: h('INIT', 2),
    entered: 'INIT',
  },
  {
    name: 'DISABLED, not disabled and ok -> INIT',
    from: h('DISABLED', 0),
    observation: OK,
    thresholds: { rise: 1, fall: 1 },
    to: h('INIT', 0),
    entered: 'INIT',
  },
];

describe('nextHealth', () => {
  it.each(ROWS)('follows the table: $name', ({ from, observation, thresholds, to, entered }) => {
    expect(nextHealth(from, observation, thresholds)).toEqual({ health: to, entered });
  });

  const NOT_DISABLED: HealthState[] = ['INIT', 'RISING', 'FALLING', 'UP', 'DOWN'];
  it.each(NOT_DISABLED)(
    'goes from %s to DISABLED when disabled, whatever the check says',
    (state) => {
      for (const observation of [DISABLED_FAILING, DISABLED_OK]) {
        const step = nextHealth(h(state, 2), observation, T33);
        expect(step).toEqual({ health: h('DISABLED', 2), entered: 'DISABLED' });
      }
    },
  );

  it('starts in INIT with no count', () => {
    expect(INITIAL_HEALTH).toEqual({ state: 'INIT', count: 0 });
  });

  it('needs exactly rise successes from INIT and fall failures from UP', () => {
    let health = INITIAL_HEALTH;
    const states: HealthState[] = [];
    for (const observation of [OK, OK, OK, FAIL, FAIL, FAIL, OK]) {
      health = nextHealth(health, observation, T33).health;
      states.push(health.state);
    }
    expect(states).toEqual(['RISING', 'RISING', 'UP', 'FALLING', 'FALLING', 'DOWN', 'RISING']);
  });

  it('ignores a failing check while the disable file is present', () => {
    // The reference computes `successful = disabled or check()`: the check is not consulted while disabled.
    const step = nextHealth(h('INIT', 0), DISABLED_FAILING, T33);
    expect(step.health.state).toBe('DISABLED');
  });

  it('agrees with the reference one() on any sequence of observations and thresholds', () => {
    const observation = fc.record({ disabled: fc.boolean(), ok: fc.boolean() });
    fc.assert(
      fc.property(
        fc.integer({ min: -1, max: 5 }),
        fc.integer({ min: -1, max: 5 }),
        fc.array(observation, { maxLength: 40 }),
        (rise, fall, observations) => {
          let ours: Health = INITIAL_HEALTH;
          let ref: ReferenceState = { state: 'INIT', checks: 0 };
          for (const o of observations) {
            const step = nextHealth(ours, o, { rise, fall });
            const next = referenceOne(ref, o, { rise, fall });
            expect(step.health.state).toBe(next.state.state);
            expect(step.entered).toBe(next.triggered);
            // The count matters only while RISING or FALLING, where it must match.
            if (usesFastInterval(next.state.state))
              expect(step.health.count).toBe(next.state.checks);
            ours = step.health;
            ref = next.state;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('isAnnouncedState and usesFastInterval', () => {
  it('announces in UP, DOWN and DISABLED only', () => {
    const all: HealthState[] = ['INIT', 'DISABLED', 'RISING', 'FALLING', 'UP', 'DOWN'];
    expect(all.filter(isAnnouncedState)).toEqual(['DISABLED', 'UP', 'DOWN']);
  });

  it('uses the fast interval in RISING and FALLING only', () => {
    const all: HealthState[] = ['INIT', 'DISABLED', 'RISING', 'FALLING', 'UP', 'DOWN'];
    expect(all.filter(usesFastInterval)).toEqual(['RISING', 'FALLING']);
  });
});

interface ReferenceState {
  readonly state: HealthState;
  readonly checks: number;
}

/** A line-for-line transcription of the reference's `one()` and `trigger()`, used as the oracle. */
function referenceOne(
  current: ReferenceState,
  o: Observation,
  options: Thresholds,
): { state: ReferenceState; triggered: HealthState | null } {
  let { state, checks } = current;
  let triggered: HealthState | null = null;
  const trigger = (target: HealthState): HealthState => {
    if (target === 'RISING' && options.rise <= 1) target = 'UP';
    else if (target === 'FALLING' && options.fall <= 1) target = 'DOWN';
    triggered = target;
    return target;
  };
  const disabled = o.disabled;
  const successful = disabled || o.ok;
  if (state !== 'DISABLED' && disabled) {
    state = trigger('DISABLED');
  } else if (state === 'INIT') {
    if (successful && options.rise <= 1) {
      state = trigger('UP');
    } else if (successful) {
      state = trigger('RISING');
      checks = 1;
    } else {
      state = trigger('FALLING');
      checks = 1;
    }
  } else if (state === 'DISABLED') {
    if (!disabled) state = trigger('INIT');
  } else if (state === 'RISING') {
    if (successful) {
      checks += 1;
      if (checks >= options.rise) state = trigger('UP');
    } else {
      state = trigger('FALLING');
      checks = 1;
    }
  } else if (state === 'FALLING') {
    if (!successful) {
      checks += 1;
      if (checks >= options.fall) state = trigger('DOWN');
    } else {
      state = trigger('RISING');
      checks = 1;
    }
  } else if (state === 'UP') {
    if (!successful) {
      state = trigger('FALLING');
      checks = 1;
    }
  } else if (state === 'DOWN') {
    if (successful) {
      state = trigger('RISING');
      checks = 1;
    }
  }
  return { state: { state, checks }, triggered };
}
