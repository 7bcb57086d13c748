// GoBGP as a speaker: its global RIB read and changed through the gobgp CLI, compared again every resync.
import type { Logger } from '../core/logger.js';
import type { GobgpSpeakerConfig } from '../core/speaker-config.js';
import { describeRun, runArgv, succeeded } from '../host/process.js';
import {
  SetSpeaker,
  type DesiredRoute,
  type ManagedPrefix,
  type RouteApplier,
} from '../speakers/route-set.js';
import { familiesOf, listArgs, parseHeldPaths, planChanges } from './commands.js';

const CLI_TIMEOUT_MS = 10_000;
/** How many prefixes are changed at once. */
const PARALLEL = 8;
/** A listing of the global RIB may be large: the whole family comes back. */
const MAX_LISTING_BYTES = 64 * 1024 * 1024;

/** The whole command line for `args`: the CLI, gobgpd's address, then the arguments. */
export function gobgpArgv(config: GobgpSpeakerConfig, args: readonly string[]): string[] {
  return [...config.command, '-u', config.host, '-p', String(config.port), ...args];
}

export class GobgpApplier implements RouteApplier {
  /** Every prefix managed in this run (and those of the configuration at start). */
  private readonly managed = new Map<string, ManagedPrefix>();
  /** The identifiers we added each prefix with: GoBGP deletes a path by its identifier. */
  private readonly ids = new Map<string, Set<number>>();

  constructor(
    private readonly config: GobgpSpeakerConfig,
    private readonly log: Logger,
    start: readonly ManagedPrefix[] = [],
  ) {
    this.remember(start);
  }

  async apply(routes: readonly DesiredRoute[], managed: readonly ManagedPrefix[]): Promise<void> {
    this.remember(managed);
    const prefixes = [...this.managed.values()];
    const held = [];
    for (const family of familiesOf([
      ...prefixes.map((m) => m.prefix),
      ...routes.map((r) => r.command.prefix),
    ]))
      held.push(...parseHeldPaths(await this.run(listArgs(family), MAX_LISTING_BYTES)));
    const commands = planChanges(routes, prefixes, held, this.ids);
    // Each CLI run costs a connection: the prefixes are changed side by side, each in its order.
    const byPrefix = new Map<string, string[][]>();
    for (const args of commands) byPrefix.set(args[3]!, [...(byPrefix.get(args[3]!) ?? []), args]);
    const queue = [...byPrefix.values()];
    const worker = async () => {
      for (let group = queue.shift(); group !== undefined; group = queue.shift())
        for (const args of group) await this.runChange(args);
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
    if (commands.length > 0)
      this.log.debug(`GoBGP: ${commands.length} change(s) for ${routes.length} route(s)`);
  }

  private async runChange(args: readonly string[]): Promise<void> {
    await this.run(args);
    if (args[2] !== 'add') return;
    const id = args[4] === 'identifier' ? Number(args[5]) : 0;
    const prefix = args[3]!;
    this.ids.set(prefix, (this.ids.get(prefix) ?? new Set()).add(id));
  }

  private remember(managed: readonly ManagedPrefix[]): void {
    for (const m of managed) {
      this.managed.set(m.prefix.text, m);
      if (m.pathId)
        this.ids.set(m.prefix.text, (this.ids.get(m.prefix.text) ?? new Set()).add(m.pathId));
    }
  }

  private async run(args: readonly string[], maxOutputBytes?: number): Promise<string> {
    const argv = gobgpArgv(this.config, args);
    const result = await runArgv(argv, { timeoutMs: CLI_TIMEOUT_MS, maxOutputBytes });
    if (!succeeded(result)) throw new Error(describeRun(`'${argv.join(' ')}'`, result));
    if (result.truncated) throw new Error(`'${argv.join(' ')}' printed more than we read`);
    return result.output;
  }
}

/**
 * A set speaker for GoBGP that compares GoBGP's RIB with the routes every `resyncMs` while the last
 * apply worked (a failed one is retried with backoff instead), so a restarted gobgpd gets them back.
 */
export function createGobgpSpeaker(
  config: GobgpSpeakerConfig,
  log: Logger,
  onApply?: (ok: boolean) => void,
  start: readonly ManagedPrefix[] = [],
): SetSpeaker {
  let lastOk = true;
  const speaker = new SetSpeaker('GoBGP', new GobgpApplier(config, log, start), {
    log,
    onApply: (ok) => {
      lastOk = ok;
      onApply?.(ok);
    },
  });
  setInterval(() => {
    if (lastOk) void speaker.sync();
  }, config.resyncMs).unref();
  return speaker;
}
