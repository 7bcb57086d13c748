// End-to-end anycast DNS: examples/anycast-dns.yaml under ExaBGP watches a real NSD, GoBGP reads
// the route: there while NSD answers, withdrawn when it stops and when it answers SERVFAIL.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ProcessStatus, ServiceStatus } from '../../src/runtime/control.js';
import { repoRoot } from './harness/healthcheck.js';
import { startNsd, type Nsd } from './harness/nsd.js';
import { freePorts } from './harness/ports.js';
import { describeWhen } from './harness/tools.js';
import { waitFor } from './harness/wait.js';
import { startGobgpWorld, type GobgpWorld } from './harness/world.js';
import { waitForAbsent, waitForMed } from './scenarios.js';

const EXAMPLE = join(repoRoot, 'examples/anycast-dns.yaml');
const PREFIX = '198.51.100.53/32';
const SERVFAIL = 'rcode SERVFAIL (expected NOERROR)';

/**
 * The example as users get it, with only what this lab needs changed: NSD's port, a next-hop GoBGP
 * accepts, no address setup, fast timing, the status page to read the reason from.
 */
function labConfig(dnsPort: number, statusPort: number): string {
  const example = parse(readFileSync(EXAMPLE, 'utf8')) as {
    services: [
      { routes: Record<string, unknown>; timing: Record<string, unknown>; checks: unknown[] },
    ];
    metrics?: unknown;
  };
  const [service] = example.services;
  Object.assign(service.routes, {
    prefixes: [PREFIX],
    'next-hop': '192.0.2.10',
    'ip-setup': false,
  });
  service.timing = { interval: 0.5, 'fast-interval': 0.25, timeout: 2, rise: 2, fall: 2 };
  const [check] = service.checks as Record<string, unknown>[];
  expect(check).toMatchObject({ type: 'dns', 'query-type': 'SOA', 'expect-rcode': 'NOERROR' });
  Object.assign(check!, { port: dnsPort, timeout: '1s' });
  example.metrics = { listen: `127.0.0.1:${statusPort}` };
  return stringify(example);
}

function readStatus(port: number): Promise<ServiceStatus> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/status', agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const service = (JSON.parse(body) as ProcessStatus).services.find((s) => s.name === 'dns');
        if (service) resolve(service);
        else reject(new Error(`no service 'dns' in ${body}`));
      });
    })
      .on('timeout', function (this: { destroy(): void }) {
        this.destroy();
      })
      .on('error', reject);
  });
}

describeWhen(
  'anycast DNS: ExaBGP runs bgp-healthcheck watching NSD, GoBGP as the peer',
  { tools: ['exabgp', 'gobgpd', 'gobgp', 'nsd'], root: true },
  () => {
    let world: GobgpWorld;
    let nsd: Nsd;
    let statusPort: number;

    beforeAll(async () => {
      const [dnsPort = 0, port = 0] = await freePorts(2);
      statusPort = port;
      world = await startGobgpWorld('anycast-dns', {
        implementation: 'ours',
        healthcheck: {},
        yaml: () => labConfig(dnsPort, statusPort),
      });
      nsd = await startNsd(world.supervisor, world.dir, {
        port: dnsPort,
        zone: 'example.com',
        records: [
          '@ IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300',
          '@ IN NS ns1.example.com.',
          'ns1 IN A 192.0.2.53',
          '',
        ].join('\n'),
      });
    }, 60_000);

    afterAll(async () => {
      // Stops NSD, ExaBGP, GoBGP and our process, also after a failure, then removes the directory.
      await world?.stop();
    });

    const downFor = (reason: (text: string) => boolean, what: string) =>
      waitFor(
        async () => {
          const status = await readStatus(statusPort);
          const last = status.transitions.at(-1);
          return status.state === 'DOWN' && last?.to === 'DOWN' && reason(last.reason)
            ? status
            : Promise.reject(new Error(JSON.stringify({ state: status.state, last })));
        },
        { timeoutMs: 10_000, what },
      );

    it('announces the route while NSD answers for the zone', async () => {
      const path = await waitForMed(world, PREFIX, 100, 25_000);
      expect(path).toMatchObject({ nextHop: '192.0.2.10', communities: ['65001:53'] });
    }, 60_000);

    it('withdraws the route when NSD stops, and announces it again when NSD is back', async () => {
      await nsd.stop();
      await waitForAbsent(world, PREFIX);
      // Nothing listens: the kernel refuses the query, and that is the reason given.
      await downFor((reason) => reason.includes('ECONNREFUSED'), 'DOWN for the refused query');
      await nsd.start();
      await waitForMed(world, PREFIX, 100);
    }, 60_000);

    it('withdraws the route when NSD answers SERVFAIL for a zone it could not load, saying so', async () => {
      await waitForMed(world, PREFIX, 100);
      await nsd.breakZone();
      await waitForAbsent(world, PREFIX);
      const status = await downFor((reason) => reason.includes(SERVFAIL), `DOWN for ${SERVFAIL}`);
      // The server answered: the reason is its rcode, not a timeout or a refused query.
      expect(nsd.running()).toBe(true);
      expect(status.lastCheck?.reason).toContain(SERVFAIL);
      await nsd.restoreZone();
      await waitForMed(world, PREFIX, 100);
    }, 60_000);
  },
);

describe("the README's anycast DNS section", () => {
  it('shows examples/anycast-dns.yaml, the file run above, as it is', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Anycast DNS\n'));
    const shown = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    // The file without its leading comment lines.
    expect(shown).toBe(readFileSync(EXAMPLE, 'utf8').replace(/^(?:#.*\n)+/, ''));
  });
});
