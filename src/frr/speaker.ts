// FRR as a speaker: each apply reads the running config through vtysh and sends only the difference.
import type { Logger } from '../core/logger.js';
import type { FrrSpeakerConfig } from '../core/speaker-config.js';
import { describeRun, runArgv, succeeded } from '../host/process.js';
import { SetSpeaker, type DesiredRoute, type RouteApplier } from '../speakers/route-set.js';
import { frrPlan, frrRoutes, parseRunningConfig } from './commands.js';

const VTYSH_TIMEOUT_MS = 15_000;
/** A router's whole running config is read on every apply: allow a large one. */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

export class FrrApplier implements RouteApplier {
  /** Conflicting prefixes already logged, so a conflict is told once, not on every resync. */
  private readonly told = new Set<string>();

  constructor(
    private readonly config: FrrSpeakerConfig,
    private readonly log: Logger,
  ) {}

  async apply(routes: readonly DesiredRoute[]): Promise<void> {
    const running = parseRunningConfig(await this.vtysh('show running-config'), this.config);
    const plan = frrPlan(this.config, running, frrRoutes(this.config, routes));
    for (const prefix of plan.conflicts) {
      if (this.told.has(prefix)) continue;
      this.told.add(prefix);
      this.log.warn(
        `FRR: ${prefix} has a network statement of the operator's own: left as it is, not announced by bgp-healthcheck`,
      );
    }
    if (plan.commands.length === 0) return;
    await this.vtysh(plan.commands.join('\n'));
    this.log.debug(
      `FRR: applied ${plan.commands.length - 2} lines for ${routes.length} route${routes.length === 1 ? '' : 's'}`,
    );
  }

  private async vtysh(command: string): Promise<string> {
    const [program = 'vtysh', ...args] = this.config.vtysh;
    const result = await runArgv([program, ...args, '-c', command], {
      timeoutMs: VTYSH_TIMEOUT_MS,
      maxOutputBytes: MAX_CONFIG_BYTES,
    });
    const shown = command.startsWith('configure terminal\n') ? 'configure terminal ...' : command;
    const what = `'${this.config.vtysh.join(' ')} -c "${shown}"'`;
    // vtysh exits 0 with "% ..." when a daemon it asked is not running.
    if (!succeeded(result) || result.truncated || /^% /m.test(result.output))
      throw new Error(describeRun(what, result));
    return result.output;
  }
}

/** The FRR speaker; every `resyncSeconds` it compares again, so a restarted FRR gets our routes back. */
export function createFrrSpeaker(
  config: FrrSpeakerConfig,
  log: Logger,
  onApply?: (ok: boolean) => void,
): SetSpeaker {
  const speaker = new SetSpeaker('FRR', new FrrApplier(config, log), { log, onApply });
  setInterval(() => void speaker.sync(), config.resyncSeconds * 1000).unref();
  return speaker;
}
