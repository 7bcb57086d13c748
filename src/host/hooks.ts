// Runs the commands attached to a state change, each bounded in time, so a stuck hook cannot stall the loop.
import type { Logger } from '../core/logger.js';
import { describeRun, runShell, succeeded } from './process.js';

/**
 * Runs `commands` one after the other through the shell with `STATE=<state>` in the environment and
 * their output discarded, as the reference does. Each is killed (with its whole process group) after
 * `timeoutMs` (0 = no limit). A failure is logged as a warning, never thrown; `signal` cuts the rest short.
 */
export async function runHooks(
  commands: readonly string[],
  state: string,
  timeoutMs: number,
  log: Logger,
  signal?: AbortSignal,
): Promise<void> {
  for (const command of commands) {
    if (signal?.aborted) return;
    log.debug(`state ${state}: running hook ${JSON.stringify(command)}`);
    const result = await runShell(command, {
      timeoutMs,
      env: { STATE: state },
      discardOutput: true,
      signal,
    });
    if (!succeeded(result)) {
      log.warn(describeRun(`state ${state}: hook ${JSON.stringify(command)}`, result));
    }
  }
}
