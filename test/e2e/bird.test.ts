// End-to-end with BIRD 2 as the peer: the same routes must look right to a second BGP implementation.
import { afterAll, expect, it } from 'vitest';
import type { BirdRoute } from './harness/bird.js';
import { implementationMissing, selectedImplementation } from './harness/healthcheck.js';
import { describeWhen } from './harness/tools.js';
import { waitFor } from './harness/wait.js';
import { startBirdWorld, type BirdWorld } from './harness/world.js';
import { METRICS, NEXT_HOP, PREFIX } from './scenarios.js';

const implementation = selectedImplementation();

describeWhen(
  `ExaBGP with the ${implementation} healthcheck, BIRD 2 as the peer`,
  { tools: ['exabgp', 'bird', 'birdc'], extra: [() => implementationMissing(implementation)] },
  () => {
    const worlds: BirdWorld[] = [];
    afterAll(async () => {
      await Promise.all(worlds.splice(0).map((world) => world.stop()));
    });

    async function routeWithMed(
      world: BirdWorld,
      med: number,
      timeoutMs: number,
    ): Promise<BirdRoute> {
      return waitFor(
        async () => {
          const output = await world.bird.showRouteAll(PREFIX);
          const route = (await world.bird.routes(PREFIX))[0];
          return route?.med === med
            ? route
            : Promise.reject(new Error(output.trim() || 'no output'));
        },
        { timeoutMs, what: `${PREFIX} with MED ${med} in BIRD (birdc show route all)` },
      );
    }

    it('shows the announced attributes in BIRD and follows the check down and up', async () => {
      const world = await startBirdWorld(`${implementation}-bird`, {
        implementation,
        healthcheck: {
          ...METRICS,
          ip: PREFIX,
          'next-hop': NEXT_HOP,
          community: '65000:1',
          'as-path': '65001 65002',
          'local-preference': 200,
        },
      });
      worlds.push(world);
      const up = await routeWithMed(world, 20, 25_000);
      expect(up).toMatchObject({
        nextHop: NEXT_HOP,
        localPref: 200,
        asPath: [65001, 65002],
        communities: ['65000:1'],
      });
      await world.check.setHealthy(false);
      await routeWithMed(world, 2000, 10_000);
      await world.check.setHealthy(true);
      await routeWithMed(world, 20, 10_000);
    }, 60_000);
  },
);
