// The scenarios every speaker passes: the real speaker, a peer of another implementation whose RIB
// is read, and bgp-healthcheck steering the speaker. One lab per speaker; the steps run in order on
// it, each leaving both services UP for the next.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OUR_COMMAND, runOurs } from '../support/healthcheck-process.js';
import { SteeredCheck } from './harness/healthcheck.js';
import type { PeerRoute } from './harness/peer-route.js';
import { Supervisor, type Exit } from './harness/processes.js';
import { makeTempDir, removeTempDir } from './harness/tempdir.js';
import { describeWhen, type Requirements } from './harness/tools.js';
import { waitForEntry, waitForNone } from './harness/wait.js';

export const PREFIX = '198.51.100.10/32';
export const PREFIX6 = '2001:db8::10/128';
export const NEXT_HOP = '192.0.2.10';
export const NEXT_HOP6 = '2001:db8::1';
/** The MEDs of web's states: up, down, disabled (also while draining). */
export const MED = { up: 20, down: 1000, disabled: 1500 } as const;

export type { PeerRoute };
export type RouteAttribute = Exclude<keyof PeerRoute, 'prefix'>;

/** Our process as the scenarios see it, however it was started. */
export interface OurProcess {
  pid(): number;
  /** Resolves once it has exited: with its exit where the test is its parent. */
  exited(): Promise<Exit | undefined>;
  /** Where its log goes (ExaBGP's speaker: nowhere of ours). */
  readonly logFile: string | undefined;
}

export interface SpeakerLab {
  readonly dir: string;
  readonly supervisor: Supervisor;
  readonly check: SteeredCheck;
  /** The peer's RIB for one prefix. */
  routes(prefix: string): Promise<PeerRoute[]>;
  /** Starts bgp-healthcheck with `config`, which the lab's speaker block heads. */
  startHealthcheck(config: string): Promise<OurProcess>;
  stopSpeaker(): Promise<void>;
  startSpeaker(): Promise<void>;
  stop(): Promise<void>;
}

export interface SpeakerDriver<L extends SpeakerLab> {
  /** "BIRD 2", "GoBGP", ...: names the describe block with `peer`. */
  readonly speaker: string;
  readonly peer: string;
  readonly requirements: Requirements;
  /** Attributes this speaker cannot carry: the scenarios run, these are not asserted. */
  readonly cannotCarry: readonly RouteAttribute[];
  /** A route of the operator's own configuration, announced by the speaker: never touched. */
  readonly operatorPrefix: string;
  /** Starts the speaker (with the operator's route) and the peer, in a lab named by `tag`. */
  start(tag: string): Promise<L>;
  /** The YAML lines before `services:` (the speaker block); none for ExaBGP. */
  speakerYaml(lab: L): readonly string[];
  /** Route options of web beyond the common ones (may replace one), and what UP then shows. */
  readonly webRoutes?: Readonly<Record<string, string>>;
  readonly upAttributes?: Partial<PeerRoute>;
  /** Speaker-specific assertions at points of the common scenario. */
  readonly hooks?: {
    beforeStart?(lab: L): Promise<void>;
    afterUp?(lab: L): Promise<void>;
    whileSpeakerStopped?(lab: L, ours: OurProcess): Promise<void>;
    afterSpeakerStarted?(lab: L): Promise<void>;
    afterExit?(lab: L): Promise<void>;
  };
}

/** What every lab has: a temp dir, the supervisor of its processes, the steered check. */
export interface LabBase {
  readonly dir: string;
  readonly supervisor: Supervisor;
  readonly check: SteeredCheck;
  /** Stops every process, runs the lab's own cleanup, removes the dir. */
  readonly stop: () => Promise<void>;
}

/** Makes a lab's base and builds the rest on it; all of it is undone when the build fails. */
export async function buildLab<L>(
  tag: string,
  build: (base: LabBase) => Promise<L>,
  cleanup: () => Promise<void> = () => Promise.resolve(),
): Promise<L> {
  const dir = await makeTempDir(tag);
  const supervisor = new Supervisor();
  supervisor.sweep(dir);
  const stop = async () => {
    try {
      await supervisor.stopAll();
      await cleanup();
    } finally {
      await removeTempDir(dir);
    }
  };
  try {
    const check = new SteeredCheck(dir);
    await check.install(true);
    return await build({ dir, supervisor, check, stop });
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts bgp-healthcheck under the lab's supervisor, its maintenance state in the lab's dir. */
export function startOurs(lab: Pick<SpeakerLab, 'dir' | 'supervisor'>, config: string): OurProcess {
  const [command = '', ...args] = OUR_COMMAND;
  const daemon = lab.supervisor.start(
    'bgp-healthcheck',
    command,
    [...args, '--config', config, '--no-syslog', '--debug'],
    { logFile: join(lab.dir, 'healthcheck.log'), env: { STATE_DIRECTORY: lab.dir } },
  );
  return { pid: () => daemon.pid, exited: () => daemon.exited, logFile: daemon.logFile };
}

/** The control socket of the scenarios' config in a lab's `dir`. */
export const scenarioSocket = (dir: string): string => join(dir, 'ctl.sock');

const TIMING = '    timing: { interval: 0.5, fast-interval: 0.25, rise: 2, fall: 2, timeout: 2 }';

/** The scenarios' config: web (every attribute, stays announced on DOWN) and web6 (withdrawn on DOWN). */
export function scenarioConfig(
  speaker: readonly string[],
  check: SteeredCheck,
  socket: string,
  options: { web6?: boolean; drain?: string; webRoutes?: Readonly<Record<string, string>> } = {},
): string {
  const routes: Record<string, string> = {
    prefixes: `[${PREFIX}]`,
    'next-hop': NEXT_HOP,
    'up-metric': String(MED.up),
    'down-metric': String(MED.down),
    'disabled-metric': String(MED.disabled),
    increase: '0',
    'local-preference': '200',
    community: '65000:1',
    'disabled-community': '65000:666',
    'large-community': '65000:1:2',
    'as-path': '65001 65002',
    'withdraw-on-down': 'false',
    'ip-setup': 'false',
    ...options.webRoutes,
  };
  const command = `    checks: [{ type: command, command: ${check.script} }]`;
  return [
    ...speaker,
    `control: { socket: ${socket} }`,
    'services:',
    '  - name: web',
    `    disable: ${check.disableFile}`,
    TIMING,
    command,
    `    drain: ${options.drain ?? '4s'}`,
    '    routes:',
    ...Object.entries(routes).map(([key, value]) => `      ${key}: ${value}`),
    ...(options.web6 === false
      ? []
      : [
          '  - name: web6',
          TIMING,
          command,
          '    routes:',
          `      prefixes: [${PREFIX6}]`,
          `      next-hop: ${NEXT_HOP6}`,
          `      up-metric: ${MED.up}`,
          '      withdraw-on-down: true',
          '      ip-setup: false',
        ]),
    '',
  ].join('\n');
}

/** Registers the common scenarios for one speaker. */
export function defineSpeakerScenarios<L extends SpeakerLab>(driver: SpeakerDriver<L>): void {
  describeWhen(
    `${driver.speaker} as the speaker, ${driver.peer} as the peer`,
    driver.requirements,
    () => {
      let lab: L;
      let ours: OurProcess;
      let config: string;
      let socket: string;

      const route = (prefix: string, expected: (r: PeerRoute) => boolean, what: string) =>
        waitForEntry(
          () => lab.routes(prefix),
          expected,
          `${prefix} ${what} in ${driver.peer}'s RIB`,
        );
      const upCommunities = driver.upAttributes?.communities ?? ['65000:1'];
      const withMed = (med: number) => (r: PeerRoute) => r.med === med;
      const gone = (prefix: string, what: string) =>
        waitForNone(() => lab.routes(prefix), `${prefix} gone from ${driver.peer}'s RIB ${what}`);
      /** What the peer must show, less what this speaker cannot carry. */
      const carried = (attributes: Partial<PeerRoute>) =>
        Object.fromEntries(
          Object.entries(attributes).filter(
            ([name]) => !driver.cannotCarry.includes(name as RouteAttribute),
          ),
        );
      async function ctl(...words: string[]): Promise<void> {
        // A drain answers once it is over: its time plus the speaker's applies, slow on a loaded machine.
        const result = await runOurs(['ctl', '--socket', socket, ...words], 60_000);
        expect(result.code, result.stderr).toBe(0);
      }
      const writeConfig = (options: Parameters<typeof scenarioConfig>[3] = {}) =>
        writeFile(
          config,
          scenarioConfig(driver.speakerYaml(lab), lab.check, socket, {
            webRoutes: driver.webRoutes,
            ...options,
          }),
          { mode: 0o644 },
        );

      beforeAll(async () => {
        lab = await driver.start(`speaker-${driver.speaker.replace(/\W+/g, '-').toLowerCase()}`);
        config = join(lab.dir, 'healthcheck.yaml');
        socket = scenarioSocket(lab.dir);
        await writeConfig();
        await driver.hooks?.beforeStart?.(lab);
        ours = await lab.startHealthcheck(config);
      }, 60_000);
      afterAll(async () => {
        await lab?.stop();
      });

      it('announces UP with the attributes of the state, and the operator route is there', async () => {
        const up = await route(PREFIX, withMed(MED.up), `with MED ${MED.up} (UP)`);
        expect(up).toMatchObject(
          carried({
            nextHop: NEXT_HOP,
            localPref: 200,
            asPath: [65001, 65002],
            communities: upCommunities,
            largeCommunities: ['65000:1:2'],
            ...driver.upAttributes,
          }),
        );
        const up6 = await route(PREFIX6, withMed(MED.up), `with MED ${MED.up} (UP)`);
        expect(up6).toMatchObject(carried({ nextHop: NEXT_HOP6 }));
        await route(driver.operatorPrefix, () => true, "(the operator's own)");
        await driver.hooks?.afterUp?.(lab);
      }, 60_000);

      it('announces the disabled attributes while the disable file exists', async () => {
        await lab.check.setDisabled(true);
        const disabled = await route(PREFIX, withMed(MED.disabled), 'with the disabled MED');
        expect(disabled).toMatchObject(carried({ communities: ['65000:666'] }));
        await lab.check.setDisabled(false);
        const back = await route(PREFIX, withMed(MED.up), 'back with the up MED');
        expect(back).toMatchObject(carried({ communities: upCommunities }));
      }, 60_000);

      it('announces the disabled attributes in maintenance (ctl disable) until ctl enable', async () => {
        await ctl('disable', 'web', '--reason', 'kernel upgrade');
        const disabled = await route(PREFIX, withMed(MED.disabled), 'with the disabled MED');
        expect(disabled).toMatchObject(carried({ communities: ['65000:666'] }));
        await ctl('enable', 'web');
        await route(PREFIX, withMed(MED.up), 'back with the up MED');
      }, 60_000);

      it('announces the down metric on DOWN, withdraws a withdraw-on-down service, and recovers', async () => {
        await lab.check.setHealthy(false);
        await route(PREFIX, withMed(MED.down), 'with the down MED');
        await gone(PREFIX6, 'on DOWN with withdraw-on-down');
        await lab.check.setHealthy(true);
        await route(PREFIX, withMed(MED.up), 'back with the up MED');
        await route(PREFIX6, withMed(MED.up), 'back with the up MED');
      }, 60_000);

      it('drains (ctl drain): the disabled attributes for the drain time, then withdrawn until ctl enable', async () => {
        const draining = ctl('drain', 'web');
        await route(PREFIX, withMed(MED.disabled), 'with the disabled MED while draining');
        await draining;
        await gone(PREFIX, 'once drained');
        await ctl('enable', 'web');
        await route(PREFIX, withMed(MED.up), 'back with the up MED');
      }, 60_000);

      it('converges after a restart of the speaker', async () => {
        await lab.stopSpeaker();
        await gone(PREFIX, 'while the speaker is stopped');
        await driver.hooks?.whileSpeakerStopped?.(lab, ours);
        await lab.startSpeaker();
        await driver.hooks?.afterSpeakerStarted?.(lab);
        await route(PREFIX, withMed(MED.up), 'again with the up MED after the restart');
        await route(PREFIX6, withMed(MED.up), 'again with the up MED after the restart');
      }, 60_000);

      it('withdraws the routes of a service a reload (SIGHUP) removes, and keeps the others', async () => {
        // The new config also drains longer than any wait below: only a second SIGTERM ends it.
        await writeConfig({ web6: false, drain: '60s' });
        process.kill(ours.pid(), 'SIGHUP');
        await gone(PREFIX6, 'after the reload removed web6');
        expect(await lab.routes(PREFIX)).toEqual([expect.objectContaining({ med: MED.up })]);
      }, 60_000);

      it("drains on SIGTERM, withdraws at a second SIGTERM, and leaves the operator's own route", async () => {
        process.kill(ours.pid(), 'SIGTERM');
        await route(PREFIX, withMed(MED.disabled), 'with the disabled MED while draining');
        process.kill(ours.pid(), 'SIGTERM');
        await gone(PREFIX, 'after the second SIGTERM');
        const exit = await ours.exited();
        if (exit !== undefined) expect(exit).toEqual({ code: 0, signal: null });
        await route(driver.operatorPrefix, () => true, "(the operator's own) after our exit");
        if (ours.logFile !== undefined)
          expect(await readFile(ours.logFile, 'utf8')).not.toMatch(/announce route|withdraw route/);
        await driver.hooks?.afterExit?.(lab);
      }, 60_000);
    },
  );
}
