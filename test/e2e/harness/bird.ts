// BIRD 2 as the receiving peer: a passive BGP session and `birdc show route all` read as values.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './exec.js';
import { inNamespace } from './netns.js';
import type { Daemon, Supervisor } from './processes.js';
import { resolveCommand } from './tools.js';
import { waitFor } from './wait.js';
import type { PeerRoute } from './peer-route.js';

export interface BirdOptions {
  readonly localAddress: string;
  readonly port: number;
  readonly as: number;
  readonly neighborAddress: string;
  readonly neighborAs: number;
  readonly routerId: string;
  /** A route covering the documentation next-hops, so BIRD resolves them (else "Invalid next hop"). */
  readonly nextHopCover: string;
  /** BIRD dials the neighbor on this port instead of waiting for it. */
  readonly neighborPort?: number;
  /** Also take IPv6 routes, their next-hops resolved through this covering route. */
  readonly nextHopCover6?: string;
}

export interface BirdRoute extends PeerRoute {
  /** "rt:ADMIN:NUMBER" strings. */
  readonly extendedCommunities: string[];
}

export function birdConfig(options: BirdOptions): string {
  return [
    `router id ${options.routerId};`,
    'protocol device {}',
    'protocol static {',
    '  ipv4;',
    `  route ${options.nextHopCover} blackhole;`,
    '}',
    ...(options.nextHopCover6 === undefined
      ? []
      : ['protocol static {', '  ipv6;', `  route ${options.nextHopCover6} blackhole;`, '}']),
    'protocol bgp exa {',
    `  local ${options.localAddress} port ${options.port} as ${options.as};`,
    options.neighborPort === undefined
      ? `  neighbor ${options.neighborAddress} as ${options.neighborAs};`
      : `  neighbor ${options.neighborAddress} port ${options.neighborPort} as ${options.neighborAs};`,
    options.neighborPort === undefined ? '  passive on;' : '  connect retry time 1;',
    // A next-hop that is not on a connected network needs multihop plus recursive resolution.
    '  multihop;',
    '  ipv4 { import all; export none; gateway recursive; igp table master4; };',
    ...(options.nextHopCover6 === undefined
      ? []
      : ['  ipv6 { import all; export none; gateway recursive; igp table master6; };']),
    '}',
    '',
  ].join('\n');
}

/** Parses `birdc show route all PREFIX`: the route line, then its indented attribute lines. */
export function parseBirdRoutes(output: string): BirdRoute[] {
  const routes: BirdRoute[] = [];
  let current: { -readonly [K in keyof BirdRoute]: BirdRoute[K] } | undefined;
  for (const line of output.split('\n')) {
    const head = /^(\S+\/\d+)\s+/.exec(line);
    if (head?.[1] !== undefined) {
      current = {
        prefix: head[1],
        nextHop: undefined,
        med: undefined,
        localPref: undefined,
        asPath: [],
        communities: [],
        largeCommunities: [],
        extendedCommunities: [],
      };
      routes.push(current);
      continue;
    }
    if (current === undefined) continue;
    const attr = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (attr === null) continue;
    const [, name, value = ''] = attr;
    if (name === 'next_hop') current.nextHop = value.trim().split(/\s+/)[0];
    else if (name === 'med') current.med = Number(value);
    else if (name === 'local_pref') current.localPref = Number(value);
    else if (name === 'as_path')
      current.asPath = value.trim() === '' ? [] : value.trim().split(/\s+/).map(Number);
    else if (name === 'community') {
      current.communities = [...value.matchAll(/\((\d+),(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`);
    } else if (name === 'large_community') {
      current.largeCommunities = [...value.matchAll(/\((\d+), (\d+), (\d+)\)/g)].map((m) =>
        m.slice(1, 4).join(':'),
      );
    } else if (name === 'ext_community') {
      current.extendedCommunities = [...value.matchAll(/\((\w+), ([\d.]+), (\d+)\)/g)].map((m) =>
        m.slice(1, 4).join(':'),
      );
    }
  }
  return routes;
}

export class Bird {
  constructor(
    readonly daemon: Daemon,
    readonly socket: string,
  ) {}

  async showRouteAll(prefix: string): Promise<string> {
    const result = await runCommand('birdc', ['-s', this.socket, 'show', 'route', 'all', prefix]);
    // birdc exits 1 when BIRD holds no route for the prefix: an empty table, not a failure.
    if (result.stdout.includes('Network not found')) return '';
    if (result.code !== 0)
      throw new Error(`birdc: ${result.stderr.trim() || result.stdout.trim()}`);
    return result.stdout;
  }

  async routes(prefix: string): Promise<BirdRoute[]> {
    return parseBirdRoutes(await this.showRouteAll(prefix));
  }
}

export async function startBird(
  supervisor: Supervisor,
  dir: string,
  options: BirdOptions,
): Promise<Bird> {
  return startBirdWithConfig(supervisor, dir, birdConfig(options));
}

export interface BirdSpeakerOptions {
  readonly routerId: string;
  /** The address BIRD speaks from, and its AS (iBGP with the peer). */
  readonly localAddress: string;
  /** BIRD's own listening port: 179 may be taken by another BIRD on the machine. */
  readonly localPort: number;
  readonly as: number;
  readonly peerAddress: string;
  readonly peerPort: number;
  /** The file bgp-healthcheck writes, included by bird.conf. */
  readonly include: string;
  /** What the session exports: a filter body. */
  readonly exportFilter: { readonly ipv4: string; readonly ipv6: string };
  /** Further lines of the operator's own configuration. */
  readonly extra?: readonly string[];
}

/** BIRD 2 as the speaker bgp-healthcheck drives: its file included, one session to a peer. */
export function birdSpeakerConfig(options: BirdSpeakerOptions): string {
  return [
    `router id ${options.routerId};`,
    'protocol device {}',
    `include "${options.include}";`,
    ...(options.extra ?? []),
    'protocol bgp peer {',
    `  local ${options.localAddress} port ${options.localPort} as ${options.as};`,
    `  neighbor ${options.peerAddress} port ${options.peerPort} as ${options.as};`,
    '  connect retry time 1;',
    `  ipv4 { import none; export ${options.exportFilter.ipv4}; };`,
    `  ipv6 { import none; export ${options.exportFilter.ipv6}; };`,
    '}',
    '',
  ].join('\n');
}

/** Starts BIRD in the foreground with `config` as its bird.conf, once it answers on its socket. */
export async function startBirdWithConfig(
  supervisor: Supervisor,
  dir: string,
  config: string,
  netns?: string,
): Promise<Bird> {
  const file = join(dir, 'bird.conf');
  const socket = join(dir, 'bird.ctl');
  await writeFile(file, config, { mode: 0o644 });
  // -f keeps it in the foreground, so the supervisor owns the real daemon.
  const [command, args] = inNamespace(netns, resolveCommand('bird'), [
    '-f',
    '-c',
    file,
    '-s',
    socket,
    '-P',
    join(dir, 'bird.pid'),
  ]);
  const daemon = supervisor.start('bird', command, args, { logFile: join(dir, 'bird.log') });
  const bird = new Bird(daemon, socket);
  await waitFor(
    async () => {
      if (daemon.hasExited()) throw new Error(`bird exited; see ${daemon.logFile}`);
      const result = await runCommand('birdc', ['-s', socket, 'show', 'status']);
      return result.code === 0 && result.stdout.includes('Daemon is up');
    },
    { timeoutMs: 10_000, what: 'bird to answer on its control socket' },
  );
  return bird;
}
