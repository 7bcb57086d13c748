// Directories made with the mode asked for, whatever the umask (ExaBGP gives its processes 0137).
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes `directory` and any missing parent with `mode`. The umask would take bits away: under
 * ExaBGP's 0137 a directory loses its search bit, so nothing inside it (not even the next
 * directory down) can be made or reached without CAP_DAC_OVERRIDE. Each directory is therefore
 * made one level at a time and given its mode before the next. One that exists is left as it is.
 */
export function ensureDirectory(directory: string, mode: number): void {
  const missing: string[] = [];
  for (let dir = path.resolve(directory); !existsSync(dir); dir = path.dirname(dir)) {
    missing.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of missing) {
    try {
      mkdirSync(dir, { mode });
    } catch (error) {
      // Made by someone else meanwhile: theirs, as it is.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    chmodSync(dir, mode);
  }
}
