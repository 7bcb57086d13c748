// End-to-end: one process with a multi-service YAML file under ExaBGP, GoBGP reading what arrives.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findPidsByArgument } from './harness/proc.js';
import { describeWhen } from './harness/tools.js';
import { startGobgpWorld, type GobgpWorld } from './harness/world.js';
import { waitForAbsent, waitForMed } from './scenarios.js';

const WEB = '198.51.100.20/32';
const DNS = '198.51.100.53/32';

describeWhen(
  'ExaBGP running one bgp-healthcheck process for several services (YAML), GoBGP as the peer',
  { tools: ['exabgp', 'gobgpd', 'gobgp'] },
  () => {
    let http: Server;
    let healthy = true;
    let world: GobgpWorld;

    beforeAll(async () => {
      http = createServer((_req, res) => {
        res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'down');
      });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      const port = (http.address() as AddressInfo).port;
      world = await startGobgpWorld('multi', {
        implementation: 'ours',
        healthcheck: {},
        yaml: (check) => `services:
  - name: web
    routes: { prefixes: [${WEB}], next-hop: 192.0.2.10, up-metric: 10, down-metric: 1010, ip-setup: false }
    timing: { interval: 0.5, fast-interval: 0.25, rise: 1, fall: 2, timeout: 2 }
    checks:
      - { type: http, url: "http://127.0.0.1:${port}/health" }
    drain: 30s
  - name: dns
    routes: { prefixes: [${DNS}], next-hop: 192.0.2.10, up-metric: 20, ip-setup: false, withdraw-on-down: true }
    timing: { interval: 0.5, fast-interval: 0.25, rise: 1, fall: 2, timeout: 2 }
    checks:
      - { type: command, command: "${check.script}" }
`,
      });
    }, 60_000);

    afterAll(async () => {
      await world?.stop();
      await new Promise<void>((resolve) => http?.close(() => resolve()));
    });

    it('announces every service, and each follows its own check', async () => {
      await waitForMed(world, WEB, 10, 25_000);
      await waitForMed(world, DNS, 20, 25_000);
      healthy = false;
      await waitForMed(world, WEB, 1010, 10_000);
      await world.check.setHealthy(false);
      await waitForAbsent(world, DNS, 10_000);
      expect((await world.gobgp.rib('ipv4', WEB))[0]?.med).toBe(1010);
      healthy = true;
      await world.check.setHealthy(true);
      await waitForMed(world, WEB, 10, 10_000);
      await waitForMed(world, DNS, 20, 10_000);
    }, 60_000);

    it('drains on SIGTERM: the disabled MED first, the withdrawal after a second SIGTERM', async () => {
      const [pid] = findPidsByArgument(world.configFile);
      expect(pid).toBeDefined();
      process.kill(pid!, 'SIGTERM');
      // The web service drains: still announced, with the disabled metric (default 500).
      await waitForMed(world, WEB, 500, 10_000);
      process.kill(pid!, 'SIGTERM');
      await waitForAbsent(world, WEB, 10_000);
      await waitForAbsent(world, DNS, 10_000);
    }, 60_000);
  },
);
