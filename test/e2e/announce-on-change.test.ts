// End-to-end: a YAML service announces on change by default, and the route survives a reset of the
// peer all the same, since ExaBGP sends its own RIB again when the session comes back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGobgp } from './harness/gobgp.js';
import { describeWhen } from './harness/tools.js';
import { startGobgpWorld, type GobgpWorld } from './harness/world.js';
import { waitForMed } from './scenarios.js';

const PREFIX = '198.51.100.30/32';

/** The announcements of PREFIX that ExaBGP took from our process, as its log names them. */
async function apiAnnouncements(world: GobgpWorld): Promise<number> {
  const log = await world.exabgp.log();
  return log.split('\n').filter((line) => line.includes('route added') && line.includes(PREFIX))
    .length;
}

describeWhen(
  'A YAML service under ExaBGP with the default timing (announce on change), GoBGP as the peer',
  { tools: ['exabgp', 'gobgpd', 'gobgp'] },
  () => {
    let world: GobgpWorld;

    beforeAll(async () => {
      world = await startGobgpWorld('on-change', {
        implementation: 'ours',
        healthcheck: {},
        // No debounce key: the YAML default is under test.
        yaml: (check) => `services:
  - name: web
    routes: { prefixes: [${PREFIX}], next-hop: 192.0.2.10, up-metric: 10, down-metric: 1010, ip-setup: false }
    timing: { interval: 0.2, fast-interval: 0.2, rise: 1, fall: 1, timeout: 2 }
    checks:
      - { type: command, command: "${check.script}" }
`,
      });
    }, 60_000);

    afterAll(async () => {
      await world?.stop();
    });

    it('announces once while the state holds, and the route comes back after GoBGP restarts without a new line', async () => {
      await waitForMed(world, PREFIX, 10, 25_000);
      const before = await apiAnnouncements(world);
      expect(before).toBeGreaterThanOrEqual(1);

      // GoBGP stopped and started again: a new session, an empty RIB on the peer's side.
      await world.supervisor.stop(world.gobgp.daemon);
      const gobgp = await startGobgp(world.supervisor, world.dir, world.gobgp.options);
      const again = { ...world, gobgp };
      await waitForMed(again, PREFIX, 10, 30_000);

      // Many intervals went by (a restart and a session take seconds, a check 0.2 s): every-cycle
      // announcement would have added a line for each; on change, ExaBGP resent what it held.
      expect(await apiAnnouncements(world)).toBe(before);

      // A change still goes out at once.
      await world.check.setHealthy(false);
      await waitForMed(again, PREFIX, 1010, 10_000);
      expect(await apiAnnouncements(world)).toBe(before + 1);
    }, 90_000);
  },
);
