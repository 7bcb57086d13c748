// GoBGP as a peer (receiving, or connecting as a lab server's speaker): its TOML config, starting gobgpd, and reading its RIB as plain values.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './exec.js';
import { inNamespace } from './netns.js';
import type { Daemon, Supervisor } from './processes.js';
import { waitFor } from './wait.js';
import type { PeerRoute } from './peer-route.js';

export interface GobgpNeighbor {
  readonly address: string;
  readonly peerAs: number;
  /** Connects to the neighbor (on port 179) instead of waiting for it to connect. */
  readonly active?: boolean;
}

export interface GobgpOptions {
  readonly as: number;
  readonly routerId: string;
  readonly port: number;
  readonly grpcPort: number;
  /** Addresses gobgpd listens on; all of them when not given. */
  readonly listen?: readonly string[];
  readonly neighbors: readonly GobgpNeighbor[];
  readonly netns?: string;
}

/** One path of the RIB, with the attributes the scenarios look at. */
export interface RibPath extends PeerRoute {
  readonly neighbor: string;
  readonly best: boolean;
}

export type Family = 'ipv4' | 'ipv6';

/** GoBGP listening on 127.0.0.1 with one iBGP neighbor: the peer of most labs. */
export function ibgpOnLoopback(
  as: number,
  neighbor: string,
  port: number,
  grpcPort: number,
): GobgpOptions {
  return {
    as,
    routerId: '192.0.2.254',
    port,
    grpcPort,
    listen: ['127.0.0.1'],
    neighbors: [{ address: neighbor, peerAs: as }],
  };
}

export function gobgpConfig(options: GobgpOptions): string {
  const lines = [
    '[global.config]',
    `  as = ${options.as}`,
    `  router-id = "${options.routerId}"`,
    `  port = ${options.port}`,
  ];
  if (options.listen !== undefined) {
    lines.push(`  local-address-list = [${options.listen.map((a) => `"${a}"`).join(', ')}]`);
  }
  for (const neighbor of options.neighbors) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${neighbor.address}"`,
      `    peer-as = ${neighbor.peerAs}`,
      '  [neighbors.transport.config]',
      `    passive-mode = ${neighbor.active !== true}`,
      // Retry a refused connection after a second, not GoBGP's default 5.
      ...(neighbor.active === true ? ['  [neighbors.timers.config]', '    connect-retry = 1'] : []),
      // Without ipv6-unicast declared, IPv6 routes are dropped without a word.
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv4-unicast"',
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv6-unicast"',
    );
  }
  return lines.join('\n') + '\n';
}

interface GobgpAttr {
  type: number;
  value?: unknown;
  metric?: number;
  nexthop?: string;
  communities?: number[];
  as_paths?: { asns?: number[] }[];
}

interface GobgpPath {
  nlri?: { prefix?: string };
  best?: boolean;
  attrs?: GobgpAttr[];
  'neighbor-ip'?: string;
}

function largeCommunities(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  // GoBGP marshals its LargeCommunity struct without JSON tags, so the keys are Go field names.
  return value.map((entry: { ASN?: number; LocalData1?: number; LocalData2?: number }) =>
    [entry.ASN, entry.LocalData1, entry.LocalData2].join(':'),
  );
}

/** Turns `gobgp global rib -j` output into paths; attribute types are the BGP type codes. */
export function parseGobgpRib(json: string): RibPath[] {
  const text = json.trim();
  if (text === '' || text === 'null') return [];
  const table = JSON.parse(text) as Record<string, GobgpPath[]>;
  const paths: RibPath[] = [];
  for (const [prefix, entries] of Object.entries(table)) {
    for (const path of entries) {
      const attrs = path.attrs ?? [];
      const byType = (type: number) => attrs.find((attr) => attr.type === type);
      paths.push({
        prefix: path.nlri?.prefix ?? prefix,
        neighbor: path['neighbor-ip'] ?? '',
        best: path.best === true,
        // IPv4 uses NEXT_HOP (3); IPv6 carries it in MP_REACH_NLRI (14).
        nextHop: byType(3)?.nexthop ?? byType(14)?.nexthop,
        med: byType(4)?.metric,
        localPref: typeof byType(5)?.value === 'number' ? (byType(5)?.value as number) : undefined,
        asPath: (byType(2)?.as_paths ?? []).flatMap((segment) => segment.asns ?? []),
        communities: (byType(8)?.communities ?? []).map(
          (c) => `${Math.floor(c / 65536)}:${c % 65536}`,
        ),
        largeCommunities: largeCommunities(byType(32)?.value),
      });
    }
  }
  return paths;
}

/** `gobgp neighbor -j` gives the session state as the number of its API's enum. */
const SESSION_STATES = [
  'unknown',
  'idle',
  'connect',
  'active',
  'opensent',
  'openconfirm',
  'established',
];

/** Session states by neighbor address from `gobgp neighbor -j` ("established", "active", ...). */
export function parseGobgpSessions(json: string): Record<string, string> {
  const peers = JSON.parse(json) as {
    state?: { neighbor_address?: string; session_state?: string | number };
    conf?: { neighbor_address?: string };
  }[];
  const states: Record<string, string> = {};
  for (const peer of peers ?? []) {
    const address = peer.state?.neighbor_address ?? peer.conf?.neighbor_address ?? '?';
    const state = peer.state?.session_state ?? 'unknown';
    states[address] =
      typeof state === 'number' ? (SESSION_STATES[state] ?? 'unknown') : state.toLowerCase();
  }
  return states;
}

export class Gobgp {
  constructor(
    readonly daemon: Daemon,
    readonly options: GobgpOptions,
  ) {}

  private async cli(args: readonly string[]): Promise<string> {
    const [command, argv] = inNamespace(this.options.netns, 'gobgp', [
      '-p',
      String(this.options.grpcPort),
      ...args,
    ]);
    const result = await runCommand(command, argv);
    if (result.code !== 0) throw new Error(`gobgp ${args.join(' ')}: ${result.stderr.trim()}`);
    return result.stdout;
  }

  /** Every path the peer holds for `family` (one prefix when given). */
  async rib(family: Family, prefix?: string): Promise<RibPath[]> {
    const args = ['global', 'rib', '-a', family];
    if (prefix !== undefined) args.push(prefix);
    return parseGobgpRib(await this.cli([...args, '-j']));
  }

  /** The paths the peer holds for one prefix, of the family its notation says. */
  routes(prefix: string): Promise<RibPath[]> {
    return this.rib(prefix.includes(':') ? 'ipv6' : 'ipv4', prefix);
  }

  /** Waits until the RIB holds a path for `prefix` that `expected` accepts, and returns it. */
  async waitForPath(
    family: Family,
    prefix: string,
    expected: (path: RibPath) => boolean,
    what: string,
  ): Promise<RibPath> {
    return waitFor(
      async () => {
        const paths = await this.rib(family, prefix);
        return paths.find(expected) ?? Promise.reject(new Error(JSON.stringify(paths)));
      },
      { timeoutMs: 20_000, what: `${prefix} ${what} in GoBGP's RIB` },
    );
  }

  /** Waits until the RIB holds no path for `prefix`. */
  async waitForNoPath(family: Family, prefix: string, what: string): Promise<void> {
    await waitFor(
      async () => {
        const paths = await this.rib(family, prefix);
        return paths.length === 0 || Promise.reject(new Error(JSON.stringify(paths)));
      },
      { timeoutMs: 20_000, what: `${prefix} gone from GoBGP's RIB ${what}` },
    );
  }

  /** Session states by neighbor address ("established", "active", ...). */
  async sessions(): Promise<Record<string, string>> {
    return parseGobgpSessions(await this.cli(['neighbor', '-j']));
  }
}

export async function startGobgp(
  supervisor: Supervisor,
  dir: string,
  options: GobgpOptions,
): Promise<Gobgp> {
  const config = join(dir, 'gobgpd.toml');
  await writeFile(config, gobgpConfig(options), { mode: 0o644 });
  const [command, args] = inNamespace(options.netns, 'gobgpd', [
    '-f',
    config,
    '-t',
    'toml',
    '--api-hosts',
    `127.0.0.1:${options.grpcPort}`,
  ]);
  const daemon = supervisor.start('gobgpd', command, args, { logFile: join(dir, 'gobgpd.log') });
  const gobgp = new Gobgp(daemon, options);
  await waitFor(
    async () => {
      if (daemon.hasExited()) throw new Error(`gobgpd exited; see ${daemon.logFile}`);
      await gobgp.sessions();
      return true;
    },
    { timeoutMs: 10_000, what: 'gobgpd to answer on its API' },
  );
  return gobgp;
}
