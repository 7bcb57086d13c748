// BIRD 2 as a speaker: the routes written atomically into the file bird.conf includes, then a reconfigure.
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { BirdSpeakerConfig } from '../core/speaker-config.js';
import { describeRun, runShell, succeeded } from '../host/process.js';
import { SetSpeaker, type DesiredRoute, type RouteApplier } from '../speakers/route-set.js';
import { birdFiles, type BirdFile } from './config-file.js';
import { birdConfigure } from './control.js';

const RECONFIGURE_TIMEOUT_MS = 10_000;
/** Words with which birdc reports a configuration it did not take, while still exiting 0. */
const BIRDC_REFUSED = /error|failed|unable|cannot|not found|unexpected/i;

/** Replaces `file` with `text` in one rename, so BIRD never reads half a file. */
export async function writeAtomically(file: BirdFile): Promise<void> {
  const temporary = join(
    dirname(file.path),
    `.${basename(file.path)}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, file.text, { mode: 0o644, flush: true });
    // Readable by BIRD's own user whatever our umask (ExaBGP's 0137 would leave it 0640).
    await chmod(temporary, 0o644);
    await rename(temporary, file.path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function currentText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export class BirdApplier implements RouteApplier {
  /** Whether BIRD took the files as they are now; false until a reconfigure worked. */
  private configured = false;

  constructor(
    private readonly config: BirdSpeakerConfig,
    private readonly log: Logger,
  ) {}

  async apply(routes: readonly DesiredRoute[]): Promise<void> {
    let changed = false;
    for (const file of birdFiles(this.config, routes)) {
      if ((await currentText(file.path)) === file.text) continue;
      await writeAtomically(file);
      changed = true;
    }
    if (!changed && this.configured) return;
    this.configured = false;
    await this.reconfigure();
    this.configured = true;
    this.log.debug(`BIRD: reconfigured with ${routes.length} routes`);
  }

  private async reconfigure(): Promise<void> {
    const { reconfigure, socket } = this.config;
    if (reconfigure === null) {
      await birdConfigure(socket, RECONFIGURE_TIMEOUT_MS);
      return;
    }
    const result = await runShell(reconfigure, { timeoutMs: RECONFIGURE_TIMEOUT_MS });
    if (!succeeded(result) || BIRDC_REFUSED.test(result.output))
      throw new Error(describeRun(`'${reconfigure}'`, result));
  }
}

export function createBirdSpeaker(
  config: BirdSpeakerConfig,
  log: Logger,
  onApply?: (ok: boolean) => void,
): SetSpeaker {
  return new SetSpeaker('BIRD', new BirdApplier(config, log), { log, onApply });
}
