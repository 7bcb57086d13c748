// Maintenance set over the control socket, kept in a small JSON file so it survives a restart.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../core/logger.js';
import type { Maintenance } from '../runtime/control.js';
import { ensureDirectory } from '../host/directory.js';

export const DEFAULT_STATE_DIRECTORY = '/var/lib/bgp-healthcheck';

const fileSchema = z.object({
  services: z.record(
    z.string(),
    z.object({ by: z.string(), reason: z.string(), since: z.number().int().nonnegative() }),
  ),
});

export class MaintenanceStoreError extends Error {
  override readonly name = 'MaintenanceStoreError';
}

/**
 * The default state file of the instance called `name`: under systemd's StateDirectory when set
 * (its first entry), else /var/lib/bgp-healthcheck.
 */
export function defaultMaintenancePath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const state =
    env.STATE_DIRECTORY?.split(':').find((dir) => dir !== '') ?? DEFAULT_STATE_DIRECTORY;
  const safeName = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'healthcheck';
  return path.join(state, `${safeName}.maintenance.json`);
}

function errnoOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

/** Writes `contents` to `file` so that a reader sees the old or the new file, never a torn one. */
function writeAtomically(file: string, contents: string): void {
  const directory = path.dirname(file);
  ensureDirectory(directory, 0o755);
  const temp = path.join(directory, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w', 0o644);
    try {
      writeSync(fd, contents);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing to clean up.
    }
    throw error;
  }
  // The rename itself is durable only once the directory is synced.
  try {
    const dirFd = openSync(directory, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename has still happened.
  }
}

export class MaintenanceStore {
  private constructor(
    private readonly file: string,
    private entries: ReadonlyMap<string, Maintenance>,
  ) {}

  /** Loads the state file; a missing file is an empty store, a corrupt one is logged and ignored. */
  static load(file: string, log: Logger): MaintenanceStore {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') {
        log.error(
          `cannot read maintenance state ${file} (${errnoOf(error)}); starting with no maintenance`,
        );
      }
      return new MaintenanceStore(file, new Map());
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      log.error(
        `ignoring corrupt maintenance state ${file}: not JSON (${(error as Error).message})`,
      );
      return new MaintenanceStore(file, new Map());
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
      log.error(
        `ignoring corrupt maintenance state ${file}: ${first?.message ?? 'unexpected shape'}${where}`,
      );
      return new MaintenanceStore(file, new Map());
    }
    const entries = new Map(
      Object.entries(parsed.data.services).map(([name, m]) => [name, { ...m }]),
    );
    if (entries.size > 0)
      log.info(`maintenance restored from ${file}: ${[...entries.keys()].join(', ')}`);
    return new MaintenanceStore(file, entries);
  }

  get path(): string {
    return this.file;
  }

  get(service: string): Maintenance | null {
    return this.entries.get(service) ?? null;
  }

  /**
   * Sets or clears (null) a service's maintenance and writes the file before returning. Throws a
   * MaintenanceStoreError when the file cannot be written; the store is then unchanged.
   */
  set(service: string, maintenance: Maintenance | null): void {
    const next = new Map(this.entries);
    if (maintenance === null) {
      if (!next.delete(service)) return;
    } else {
      next.set(service, {
        by: maintenance.by,
        reason: maintenance.reason,
        since: maintenance.since,
      });
    }
    const services = Object.fromEntries([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    try {
      writeAtomically(this.file, `${JSON.stringify({ services }, null, 2)}\n`);
    } catch (error) {
      throw new MaintenanceStoreError(
        `cannot write maintenance state ${this.file}: ${errnoOf(error)}`,
      );
    }
    this.entries = next;
  }

  /** Every service in maintenance, by name (services no longer configured included). */
  all(): ReadonlyMap<string, Maintenance> {
    return this.entries;
  }
}
