// End-to-end: ExaBGP runs the healthcheck (ours unless BGP_HC_E2E_IMPL=reference), GoBGP receives the routes.
import { implementationMissing, selectedImplementation } from './harness/healthcheck.js';
import { describeWhen } from './harness/tools.js';
import { defineGobgpScenarios } from './scenarios.js';

const implementation = selectedImplementation();

describeWhen(
  `ExaBGP with the ${implementation} healthcheck, GoBGP as the peer`,
  { tools: ['exabgp', 'gobgpd', 'gobgp'], extra: [() => implementationMissing(implementation)] },
  () => defineGobgpScenarios(implementation),
);
