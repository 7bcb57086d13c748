// What a service's routes say under each health state and hold, and how routers rank them.
import { describe, expect, it } from 'vitest';
import { parseAsn } from '../../src/core/attributes.js';
import type { RoutePolicy } from '../../src/core/route.js';
import {
  holdOf,
  isPreferred,
  nextVerdict,
  routeTarget,
  SERVICE_STATES,
  shownState,
} from '../../src/core/route-target.js';
import type { HealthState } from '../../src/core/health.js';
import { routePolicy } from '../support/route-policy.js';

const policy = (over: Partial<RoutePolicy> = {}): RoutePolicy =>
  routePolicy(['198.51.100.10', '198.51.100.11'], over);

describe('routeTarget', () => {
  it('follows the health state without a hold, and says nothing in INIT, RISING and FALLING', () => {
    expect(routeTarget(policy(), 'UP', 'UP', null)).toBe('UP');
    expect(routeTarget(policy(), 'DOWN', 'DOWN', null)).toBe('DOWN');
    expect(routeTarget(policy(), 'DISABLED', null, null)).toBe('DISABLED');
    for (const state of ['INIT', 'RISING', 'FALLING'] as const)
      expect(routeTarget(policy(), state, 'UP', null)).toBeNull();
  });

  it('announces the disabled attributes for a held service the checks prove UP', () => {
    expect(routeTarget(policy(), 'UP', 'UP', 'maintenance')).toBe('DISABLED');
    expect(routeTarget(policy(), 'FALLING', 'UP', 'draining')).toBe('DISABLED');
  });

  it('never announces a held service that is not proven UP better than DOWN', () => {
    expect(routeTarget(policy(), 'DOWN', 'DOWN', 'maintenance')).toBe('DOWN');
    expect(routeTarget(policy(), 'RISING', 'DOWN', 'draining')).toBe('DOWN');
    expect(routeTarget(policy(), 'INIT', null, 'maintenance')).toBe('DOWN');
    // Disabled attributes that are already worse than DOWN's stay.
    const worse = policy({ metrics: { UP: 100, DOWN: 1000, DISABLED: 5000 } });
    expect(routeTarget(worse, 'DOWN', 'DOWN', 'maintenance')).toBe('DISABLED');
  });

  it('withdraws a drained service whatever its health', () => {
    expect(routeTarget(policy(), 'UP', 'UP', 'drained')).toBe('EXIT');
    expect(routeTarget(policy(), 'DOWN', 'DOWN', 'drained')).toBe('EXIT');
  });
});

describe('isPreferred', () => {
  it('ranks the AS path length first, then the MED, and a withdrawal last', () => {
    expect(isPreferred(policy(), 'UP', 'DOWN')).toBe(true);
    expect(isPreferred(policy(), 'DOWN', 'UP')).toBe(false);
    expect(isPreferred(policy(), 'DOWN', 'DOWN')).toBe(false);
    const prepended = policy({
      metrics: { UP: 100, DOWN: 10, DISABLED: 500 },
      stateAsPaths: { DOWN: [parseAsn('64512'), parseAsn('64512'), parseAsn('64512')] },
    });
    // A lower MED loses to a shorter AS path.
    expect(isPreferred(prepended, 'DISABLED', 'DOWN')).toBe(true);
    expect(isPreferred(prepended, 'DOWN', 'DISABLED')).toBe(false);
    expect(isPreferred(prepended, 'UP', 'DOWN')).toBe(true);
    // With equal AS paths, the MED decides, both ways.
    expect(isPreferred(policy({ stateAsPaths: { UP: [parseAsn('64512')] } }), 'UP', 'DOWN')).toBe(
      false,
    );
    const paths = policy({ asPath: [parseAsn('64512')] });
    expect(isPreferred(paths, 'UP', 'DOWN')).toBe(true);
    expect(isPreferred(paths, 'DOWN', 'UP')).toBe(false);
    // A policy with no prefix announces nothing in any state.
    expect(isPreferred(policy({ prefixes: [] }), 'UP', 'EXIT')).toBe(false);
    const withdrawing = policy({ withdrawOnDown: true });
    expect(isPreferred(withdrawing, 'UP', 'DOWN')).toBe(true);
    expect(isPreferred(withdrawing, 'DOWN', 'DISABLED')).toBe(false);
    expect(isPreferred(policy(), 'DOWN', 'EXIT')).toBe(true);
  });
});

describe('states and verdicts', () => {
  it('lists every state a service can show once: the health states, then the drain states', () => {
    const health = ['INIT', 'RISING', 'FALLING', 'UP', 'DOWN', 'DISABLED'];
    expect(SERVICE_STATES).toEqual([...health, 'DRAINING', 'DRAINED']);
    for (const state of health) expect(shownState(state as HealthState, null)).toBe(state);
  });

  it('keeps the last of UP and DOWN through RISING and FALLING, and forgets it on INIT or DISABLED', () => {
    expect(nextVerdict(null, 'UP')).toBe('UP');
    expect(nextVerdict('UP', 'FALLING')).toBe('UP');
    expect(nextVerdict('UP', null)).toBe('UP');
    expect(nextVerdict('DOWN', 'RISING')).toBe('DOWN');
    expect(nextVerdict('UP', 'DOWN')).toBe('DOWN');
    expect(nextVerdict('UP', 'DISABLED')).toBeNull();
    expect(nextVerdict('DOWN', 'INIT')).toBeNull();
  });

  it('shows a drain before maintenance, and maintenance as DISABLED', () => {
    expect(holdOf('drained', true)).toBe('drained');
    expect(holdOf(null, true)).toBe('maintenance');
    expect(holdOf(null, false)).toBeNull();
    expect(shownState('UP', 'drained')).toBe('DRAINED');
    expect(shownState('UP', 'draining')).toBe('DRAINING');
    expect(shownState('DOWN', 'maintenance')).toBe('DISABLED');
    expect(shownState('RISING', null)).toBe('RISING');
  });
});
