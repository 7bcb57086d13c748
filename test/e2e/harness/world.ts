// One scenario's world on loopback: a peer (GoBGP or BIRD), ExaBGP, and the healthcheck it runs.
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startBird, type Bird } from './bird.js';
import { startExabgp, type Exabgp, type ExabgpOptions } from './exabgp.js';
import { ibgpOnLoopback, startGobgp, type Gobgp } from './gobgp.js';
import {
  healthcheckArgv,
  healthcheckConfig,
  SteeredCheck,
  type Implementation,
  type OptionValue,
} from './healthcheck.js';
import { freePorts } from './ports.js';
import { Supervisor } from './processes.js';
import { makeTempDir, removeTempDir } from './tempdir.js';

export const LOCAL_AS = 64512;
/** The address ExaBGP speaks from; the peer listens on 127.0.0.1. */
export const SPEAKER_ADDRESS = '127.0.0.2';

/** Fast timing so a scenario takes seconds: interval 1 s, fast-interval 0.5 s, rise/fall 2. */
export const FAST_TIMING: Readonly<Record<string, OptionValue>> = {
  interval: 1,
  'fast-interval': 0.5,
  timeout: 2,
  rise: 2,
  fall: 2,
};

export interface WorldOptions {
  readonly implementation: Implementation;
  /** Healthcheck options on top of the check command, fast timing and no ip setup / syslog. */
  readonly healthcheck: Readonly<Record<string, OptionValue>>;
  /** false runs ExaBGP with exabgp.api.ack=false. */
  readonly ack?: boolean;
  readonly healthyAtStart?: boolean;
  /** A YAML services file to run instead of the line-format options (ours only). */
  readonly yaml?: (check: SteeredCheck) => string;
  /** The command that starts ExaBGP (another version than Debian's); default `exabgp`. */
  readonly exabgpCommand?: readonly string[];
  /** ExaBGP's options beyond those above (no respawn, the operator's static routes). */
  readonly exabgp?: Pick<ExabgpOptions, 'respawn' | 'staticRoutes'>;
}

export interface World {
  readonly dir: string;
  readonly supervisor: Supervisor;
  readonly check: SteeredCheck;
  /** The healthcheck config file: its path is unique, so it also finds our process in /proc. */
  readonly configFile: string;
  readonly exabgp: Exabgp;
  /** Starts ExaBGP again with the same config (after the test stopped `exabgp`). */
  startExabgp(): Promise<Exabgp>;
  stop(): Promise<void>;
}

export interface GobgpWorld extends World {
  readonly gobgp: Gobgp;
}

export interface BirdWorld extends World {
  readonly bird: Bird;
}

async function prepare(tag: string, options: WorldOptions) {
  const dir = await makeTempDir(tag);
  const supervisor = new Supervisor();
  supervisor.sweep(dir);
  const check = new SteeredCheck(dir);
  await check.install(options.healthyAtStart ?? true);
  const configFile = join(dir, options.yaml ? 'healthcheck.yaml' : 'healthcheck.conf');
  await writeFile(
    configFile,
    options.yaml
      ? options.yaml(check)
      : healthcheckConfig({
          command: check.script,
          ...FAST_TIMING,
          'no-ip-setup': true,
          'no-syslog': true,
          name: `e2e-${tag}`,
          // Harmless until a scenario creates the file.
          disable: check.disableFile,
          ...options.healthcheck,
        }),
    { mode: 0o644 },
  );
  const stop = async () => {
    try {
      await supervisor.stopAll();
    } finally {
      await removeTempDir(dir);
    }
  };
  return { dir, supervisor, check, configFile, stop };
}

function speakerOptions(options: WorldOptions, configFile: string, port: number) {
  return {
    // Our process keeps its maintenance state beside its config, not in the machine's state dir.
    env: { STATE_DIRECTORY: dirname(configFile) },
    peerAddress: '127.0.0.1',
    peerPort: port,
    localAddress: SPEAKER_ADDRESS,
    localAs: LOCAL_AS,
    // iBGP: the peer then shows the AS path and local preference exactly as announced.
    peerAs: LOCAL_AS,
    routerId: '192.0.2.253',
    processArgv: healthcheckArgv(options.implementation, configFile),
    ack: options.ack ?? true,
    command: options.exabgpCommand,
    ...options.exabgp,
  };
}

export async function startGobgpWorld(tag: string, options: WorldOptions): Promise<GobgpWorld> {
  const base = await prepare(tag, options);
  try {
    const [port = 0, grpcPort = 0] = await freePorts(2);
    const gobgp = await startGobgp(
      base.supervisor,
      base.dir,
      ibgpOnLoopback(LOCAL_AS, SPEAKER_ADDRESS, port, grpcPort),
    );
    const startSpeaker = () =>
      startExabgp(base.supervisor, base.dir, speakerOptions(options, base.configFile, port));
    return { ...base, gobgp, exabgp: await startSpeaker(), startExabgp: startSpeaker };
  } catch (error) {
    await base.stop();
    throw error;
  }
}

export async function startBirdWorld(tag: string, options: WorldOptions): Promise<BirdWorld> {
  const base = await prepare(tag, options);
  try {
    const [port = 0] = await freePorts(1);
    const bird = await startBird(base.supervisor, base.dir, {
      localAddress: '127.0.0.1',
      port,
      as: LOCAL_AS,
      neighborAddress: SPEAKER_ADDRESS,
      neighborAs: LOCAL_AS,
      routerId: '192.0.2.250',
      nextHopCover: '192.0.2.0/24',
    });
    const startSpeaker = () =>
      startExabgp(base.supervisor, base.dir, speakerOptions(options, base.configFile, port));
    return { ...base, bird, exabgp: await startSpeaker(), startExabgp: startSpeaker };
  } catch (error) {
    await base.stop();
    throw error;
  }
}
