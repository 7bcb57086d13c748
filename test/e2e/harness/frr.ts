// FRR (zebra, staticd, bgpd) started without systemd: its own config, sockets and namespace per test.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runChecked, runCommand } from './exec.js';
import { inNamespace } from './netns.js';
import type { Daemon, Supervisor } from './processes.js';
import { waitFor } from './wait.js';

/** Where Debian's frr package keeps the daemons (not on PATH). */
export const FRR_DAEMONS = '/usr/lib/frr';

/** Why FRR cannot run here, or undefined. */
export function frrMissing(): string | undefined {
  const missing = ['zebra', 'staticd', 'bgpd'].filter((d) => !existsSync(join(FRR_DAEMONS, d)));
  if (missing.length > 0) return `missing ${missing.map((d) => join(FRR_DAEMONS, d)).join(', ')}`;
  // The daemons run as frr, whose group frrvty may use their vty sockets.
  return /^frr:/m.test(readFileSync('/etc/passwd', 'utf8'))
    ? undefined
    : "no user 'frr' (made by the frr package)";
}

export interface FrrOptions {
  /** The namespace the daemons run in: zebra programs its kernel, never the machine's. */
  readonly netns: string;
  /** The operator's own bgpd configuration (router bgp, neighbors, ...). */
  readonly bgpdConfig: string;
  /** The operator's own static routes. */
  readonly staticdConfig?: string;
  /** The address and port bgpd listens on inside the namespace. */
  readonly listen: string;
  readonly port: number;
}

const DAEMONS = ['zebra', 'staticd', 'bgpd'] as const;

export interface FrrPeerOptions {
  readonly as: number;
  readonly routerId: string;
  /** The address bgpd connects from. */
  readonly localAddress: string;
  readonly peerAddress: string;
  readonly peerAs: number;
}

/** A bgpd.conf with one session that bgpd opens at once and sends each change on without delay. */
export function frrPeerConfig(options: FrrPeerOptions): string {
  const peer = options.peerAddress;
  return [
    'frr defaults traditional',
    `router bgp ${options.as}`,
    ` bgp router-id ${options.routerId}`,
    ` neighbor ${peer} remote-as ${options.peerAs}`,
    ` neighbor ${peer} update-source ${options.localAddress}`,
    ` neighbor ${peer} timers connect 1`,
    ` neighbor ${peer} advertisement-interval 0`,
    'exit',
    '',
  ].join('\n');
}

/** One FRR: its daemons, and vtysh talking to them through their own socket directory. */
export class Frr {
  daemons: Daemon[] = [];

  constructor(
    readonly dir: string,
    readonly options: FrrOptions,
  ) {}

  /** The vtysh command line bgp-healthcheck is given. */
  get vtyshCommand(): string {
    return `vtysh --vty_socket ${this.dir}`;
  }

  async vtysh(command: string): Promise<string> {
    const result = await runCommand('vtysh', ['--vty_socket', this.dir, '-c', command]);
    if (result.code !== 0)
      throw new Error(`vtysh -c ${command}: ${result.stderr.trim() || result.stdout.trim()}`);
    return result.stdout;
  }

  /**
   * Starts zebra, staticd and bgpd in the foreground (the supervisor owns them), each with its
   * config file, pid file and vty socket in `dir`, and the zebra API socket there too, so
   * another FRR on the machine is never reached. Resolves once bgpd answers vtysh.
   */
  async start(supervisor: Supervisor): Promise<void> {
    const zserv = join(this.dir, 'zserv.api');
    for (const daemon of DAEMONS) {
      const args = [
        '-u',
        'frr',
        '-g',
        'frr',
        '-f',
        join(this.dir, `${daemon}.conf`),
        '-i',
        join(this.dir, `${daemon}.pid`),
        '-z',
        zserv,
        '--vty_socket',
        this.dir,
        // No TCP vty: the sockets in `dir` are the only way in.
        '-P',
        '0',
        '--log',
        `file:${join(this.dir, `${daemon}.log`)}`,
        ...(daemon === 'bgpd' ? ['-l', this.options.listen, '-p', String(this.options.port)] : []),
      ];
      const [command, argv] = inNamespace(this.options.netns, join(FRR_DAEMONS, daemon), args);
      const started = supervisor.start(daemon, command, argv, {
        logFile: join(this.dir, `${daemon}.out`),
      });
      this.daemons.push(started);
      // staticd and bgpd connect to zebra's socket; zebra must be there first.
      await waitFor(
        () => {
          if (started.hasExited()) throw new Error(`${daemon} exited; see ${started.logFile}`);
          return existsSync(join(this.dir, `${daemon}.vty`));
        },
        { timeoutMs: 10_000, what: `${daemon} to open its vty socket` },
      );
    }
    await waitFor(async () => (await this.vtysh('show running-config')).includes('router bgp'), {
      timeoutMs: 10_000,
      what: "FRR's running config to hold router bgp",
    });
  }

  /** Stops every daemon: FRR forgets whatever was configured and not saved. */
  async stop(supervisor: Supervisor): Promise<void> {
    for (const daemon of this.daemons.splice(0).reverse()) await supervisor.stop(daemon);
  }
}

/** Creates FRR's directory (owned by frr, which the daemons run as) and starts it. */
export async function startFrr(
  supervisor: Supervisor,
  parent: string,
  options: FrrOptions,
): Promise<Frr> {
  const dir = join(parent, 'frr');
  await mkdir(dir, { mode: 0o755 });
  const files: Record<string, string> = {
    'zebra.conf': '',
    'staticd.conf': options.staticdConfig ?? '',
    'bgpd.conf': options.bgpdConfig,
  };
  for (const [name, text] of Object.entries(files))
    await writeFile(join(dir, name), text, { mode: 0o644 });
  await runChecked('chown', ['-R', 'frr:frr', dir]);
  const frr = new Frr(dir, options);
  await frr.start(supervisor);
  return frr;
}
