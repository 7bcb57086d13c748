// End-to-end: ExaBGP runs the healthcheck (ours unless BGP_HC_E2E_IMPL=reference), GoBGP receives the routes.
import { implementationMissing, selectedImplementation } from './harness/healthcheck.js';
import { findPidsByArgument } from './harness/proc.js';
import { describeWhen } from './harness/tools.js';
import { waitFor } from './harness/wait.js';
import { startGobgpWorld, type GobgpWorld } from './harness/world.js';
import { defineGobgpScenarios } from './scenarios.js';
import {
  defineSpeakerScenarios,
  NEXT_HOP,
  scenarioConfig,
  scenarioSocket,
  type SpeakerLab,
} from './speaker-scenarios.js';

const implementation = selectedImplementation();
/** The operator's own route, from ExaBGP's config: it stays when our process exits. */
const OPERATOR_PREFIX = '203.0.113.7/32';

describeWhen(
  `ExaBGP with the ${implementation} healthcheck, GoBGP as the peer`,
  { tools: ['exabgp', 'gobgpd', 'gobgp'], extra: [() => implementationMissing(implementation)] },
  () => defineGobgpScenarios(implementation),
);

interface ExabgpLab extends SpeakerLab {
  readonly world: GobgpWorld;
}

// The scenarios every speaker passes, with the YAML config (ours only).
if (implementation === 'ours')
  defineSpeakerScenarios<ExabgpLab>({
    speaker: 'ExaBGP',
    peer: 'GoBGP',
    requirements: { tools: ['exabgp', 'gobgpd', 'gobgp'] },
    cannotCarry: [],
    operatorPrefix: OPERATOR_PREFIX,
    async start(tag) {
      // ExaBGP starts our process itself: the scenarios' config is there before ExaBGP.
      const world = await startGobgpWorld(tag, {
        implementation: 'ours',
        healthcheck: {},
        yaml: (check) => scenarioConfig([], check, scenarioSocket(check.dir)),
        exabgp: {
          // Our process exits on SIGTERM and stays gone, as under a supervisor that stops it.
          respawn: false,
          staticRoutes: [`${OPERATOR_PREFIX} next-hop ${NEXT_HOP}`],
        },
      });
      let exabgp = world.exabgp;
      const pids = () => findPidsByArgument(world.configFile);
      return {
        world,
        dir: world.dir,
        supervisor: world.supervisor,
        check: world.check,
        routes: (prefix) => world.gobgp.routes(prefix),
        startHealthcheck: async () => {
          await waitFor(() => pids().length === 1 || undefined, {
            timeoutMs: 15_000,
            what: 'ExaBGP to start the healthcheck',
          });
          return {
            pid: () => pids()[0] ?? 0,
            exited: async () => {
              await waitFor(() => pids().length === 0 || undefined, {
                timeoutMs: 10_000,
                what: 'the healthcheck to exit',
              });
              return undefined;
            },
            logFile: undefined,
          };
        },
        stopSpeaker: async () => {
          await world.supervisor.stop(exabgp.daemon);
        },
        startSpeaker: async () => {
          exabgp = await world.startExabgp();
        },
        stop: () => world.stop(),
      };
    },
    speakerYaml: () => [],
  });
