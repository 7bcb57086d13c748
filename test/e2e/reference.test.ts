// The basic scenarios once more with ExaBGP's own healthcheck, as a yardstick for ours.
import { implementationMissing } from './harness/healthcheck.js';
import { describeWhen } from './harness/tools.js';
import { defineGobgpScenarios } from './scenarios.js';

describeWhen(
  'ExaBGP with the reference healthcheck, GoBGP as the peer',
  { tools: ['exabgp', 'gobgpd', 'gobgp'], extra: [() => implementationMissing('reference')] },
  () => defineGobgpScenarios('reference', ['up', 'down']),
);
