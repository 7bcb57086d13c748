// The tests that mutation testing of the probes runs (stryker.config.json): the probes' own, without
// the ones that run the bundle, which no mutant of the source reaches.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/probes/*.test.ts'],
    exclude: ['test/probes/shipped.test.ts', 'test/probes/http-servers.test.ts'],
  },
});
