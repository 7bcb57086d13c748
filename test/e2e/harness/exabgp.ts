// ExaBGP as the speaker (Debian's 4.2, or another version by its command): its config with the healthcheck as its process, and starting it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inNamespace } from './netns.js';
import type { Daemon, Supervisor } from './processes.js';

export interface ExabgpOptions {
  /** The peer ExaBGP dials. */
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly localAddress: string;
  readonly localAs: number;
  readonly peerAs: number;
  readonly routerId: string;
  /** The healthcheck's argv, quoted for the run line where ExaBGP's tokenizer needs it. */
  readonly processArgv: readonly string[];
  /** false sets exabgp.api.ack=false (the healthcheck then needs --no-ack). */
  readonly ack?: boolean;
  readonly netns?: string;
  /** The command that starts ExaBGP, before its config file; default `exabgp` (Debian's 4.2). */
  readonly command?: readonly string[];
  /** false sets exabgp.api.respawn=false: a process that exits stays gone. */
  readonly respawn?: boolean;
  /** The operator's own routes, announced from ExaBGP's config (`static`), not by the healthcheck. */
  readonly staticRoutes?: readonly string[];
  /** More environment for ExaBGP and so for the healthcheck it runs. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * One argument as ExaBGP's configuration tokenizer reads it back: bare when it holds no space and
 * no character of ExaBGP's syntax, else inside double (or single) quotes, which ExaBGP honours
 * (4.2 and 5.x: `--cmd "test -e /x"` arrives as one argument). It has no escapes in quotes.
 */
export function runLineArgument(arg: string): string {
  if (/^[^\s"',[\];{}#]+$/.test(arg)) return arg;
  if (!arg.includes('"')) return `"${arg}"`;
  if (!arg.includes("'")) return `'${arg}'`;
  throw new Error(`ExaBGP's run line cannot hold an argument with both quote marks: ${arg}`);
}

export function exabgpConfig(options: ExabgpOptions): string {
  return [
    'process hc {',
    `  run ${options.processArgv.map(runLineArgument).join(' ')};`,
    '  encoder text;',
    '}',
    `neighbor ${options.peerAddress} {`,
    `  router-id ${options.routerId};`,
    `  local-address ${options.localAddress};`,
    `  local-as ${options.localAs};`,
    `  peer-as ${options.peerAs};`,
    `  connect ${options.peerPort};`,
    '  family { ipv4 unicast; ipv6 unicast; }',
    '  api { processes [ hc ]; }',
    ...(options.staticRoutes?.length
      ? ['  static {', ...options.staticRoutes.map((route) => `    route ${route};`), '  }']
      : []),
    '}',
    '',
  ].join('\n');
}

export interface Exabgp {
  readonly daemon: Daemon;
  readonly logFile: string;
  /** ExaBGP's own log (the API lines it accepted). */
  log(): Promise<string>;
}

export async function startExabgp(
  supervisor: Supervisor,
  dir: string,
  options: ExabgpOptions,
): Promise<Exabgp> {
  const config = join(dir, 'exabgp.conf');
  const logFile = join(dir, 'exabgp.log');
  await writeFile(config, exabgpConfig(options), { mode: 0o644 });
  const [exabgp, ...exabgpArgs] = options.command ?? ['exabgp'];
  const [command, args] = inNamespace(options.netns, exabgp!, [...exabgpArgs, config]);
  const env: Record<string, string> = {
    ...options.env,
    // Otherwise it drops to its own user, which may not read the test's files.
    'exabgp.daemon.user': 'root',
    'exabgp.log.destination': logFile,
    'exabgp.api.ack': options.ack === false ? 'false' : 'true',
    'exabgp.api.respawn': options.respawn === false ? 'false' : 'true',
  };
  const daemon = supervisor.start('exabgp', command, args, {
    logFile: join(dir, 'exabgp.out'),
    env,
    cwd: dir,
  });
  return {
    daemon,
    logFile,
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  };
}
