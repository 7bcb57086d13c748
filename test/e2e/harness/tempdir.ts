// Temporary directories readable by other users: ExaBGP may run its processes as another user.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory named for the area, the tag and this process, mode 0755. */
export async function makeTempDir(tag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `bgphc-e2e-${tag}-${process.pid}-`));
  await chmod(dir, 0o755);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
