// A service named "web" with one command check and the reference's defaults, for runtime tests that
// change a few of its values; and an address manager that sets up nothing.
import type { Service, Timing } from '../../src/core/service.js';
import type { AddressManager } from '../../src/host/addresses.js';
import { routePolicy } from './route-policy.js';

export interface ServiceOverrides extends Partial<Omit<Service, 'timing'>> {
  readonly timing?: Partial<Timing>;
}

export function testService(overrides: ServiceOverrides = {}): Service {
  const { timing, ...rest } = overrides;
  return {
    name: 'web',
    timing: {
      interval: 1,
      fastInterval: 1,
      timeout: 5,
      rise: 1,
      fall: 1,
      debounce: false,
      minStateTime: 0,
      jitter: 0,
      ...timing,
    },
    disableFile: null,
    checks: [{ kind: 'command', command: 'true' }],
    policy: { kind: 'all' },
    hooks: { any: [], byState: {} },
    addresses: {
      label: null,
      labelExactMatch: false,
      setup: false,
      dynamic: false,
      sudo: false,
      ifnames: {},
      deaggregate: false,
      startIp: 0,
    },
    routes: routePolicy(['198.51.100.10/32']),
    ...rest,
  };
}

/** Addresses are the host's business; these tests announce routes only. */
export const noAddresses: AddressManager = {
  resolve: (configured) => Promise.resolve([...configured]),
  setup: () => Promise.resolve(),
  remove: () => Promise.resolve(),
};
