// Dropping root after the addresses are set up (--user / --group): name lookup first, then the switch.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** A --user or --group that the system does not know: a config error, found before anything is announced. */
export class UnknownUserError extends Error {
  override readonly name = 'UnknownUserError';
}

/** The switch itself failed (not root, or the kernel refused). */
export class PrivilegeDropError extends Error {
  override readonly name = 'PrivilegeDropError';
}

export interface Ids {
  readonly uid: number | null;
  readonly gid: number | null;
}

type Database = 'passwd' | 'group';

/** Looks up one entry by name (or number): the `getent` line, or null when there is none. */
export type EntryLookup = (database: Database, key: string) => Promise<string | null>;

const GETENT_TIMEOUT_MS = 10_000;
/** `getent` exits 2 when the key is not in the database. */
const GETENT_NOT_FOUND = 2;

/** Through `getent` (so NSS sources such as LDAP count); from /etc/passwd and /etc/group when it is missing. */
export const getentLookup: EntryLookup = (database, key) =>
  new Promise((resolve, reject) => {
    execFile(
      'getent',
      [database, key],
      { timeout: GETENT_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout) => {
        if (error === null) {
          resolve(stdout.split('\n')[0] ?? null);
          return;
        }
        const code = (error as { code?: number | string }).code;
        if (code === GETENT_NOT_FOUND) resolve(null);
        else if (code === 'ENOENT') fileLookup(database, key).then(resolve, reject);
        else reject(new Error(`getent ${database} ${key} failed: ${error.message}`));
      },
    );
  });

/** Reads /etc/passwd or /etc/group directly: a name matches field 1, a number field 3. */
export async function fileLookup(database: Database, key: string): Promise<string | null> {
  const text = await readFile(`/etc/${database}`, 'utf8');
  return findEntry(text, key);
}

export function findEntry(text: string, key: string): string | null {
  const byId = /^\d+$/.test(key);
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields[byId ? 2 : 0] === key) return line;
  }
  return null;
}

async function lookupId(lookup: EntryLookup, database: Database, key: string): Promise<number> {
  const what = database === 'passwd' ? 'user' : 'group';
  if (key === '' || key.includes(':') || key.includes('\n'))
    throw new UnknownUserError(`unknown ${what} '${key}'`);
  const entry = await lookup(database, key);
  const id = entry === null ? undefined : entry.split(':')[2];
  if (id === undefined || !/^\d+$/.test(id)) throw new UnknownUserError(`unknown ${what} '${key}'`);
  return Number(id);
}

/** The ids for --user and --group; a name the system does not know is an UnknownUserError. */
export async function resolveIds(
  user: string | null,
  group: string | null,
  lookup: EntryLookup = getentLookup,
): Promise<{ uid: number | null; gid: number | null }> {
  const uid = user === null ? null : await lookupId(lookup, 'passwd', user);
  const gid = group === null ? null : await lookupId(lookup, 'group', group);
  return { uid, gid };
}

/** The process calls used to switch, injectable for tests. */
export interface IdentityCalls {
  geteuid(): number;
  getgid(): number;
  getuid(): number;
  setgroups(groups: number[]): void;
  setgid(gid: number): void;
  setuid(uid: number): void;
}

function processCalls(): IdentityCalls {
  const p = process;
  if (!p.geteuid || !p.getgid || !p.getuid || !p.setgroups || !p.setgid || !p.setuid) {
    throw new PrivilegeDropError('--user and --group need a POSIX system');
  }
  return {
    geteuid: p.geteuid.bind(p),
    getgid: p.getgid.bind(p),
    getuid: p.getuid.bind(p),
    setgroups: p.setgroups.bind(p),
    setgid: p.setgid.bind(p),
    setuid: p.setuid.bind(p),
  };
}

/**
 * Group first (while we may still change it), then user. Root's supplementary groups are replaced
 * by the new group alone; the reference keeps them, which leaves the process in group root.
 */
export function dropPrivileges(ids: Ids, calls: IdentityCalls = processCalls()): void {
  if (ids.uid === null && ids.gid === null) return;
  const root = calls.geteuid() === 0;
  const step = (what: string, action: () => void): void => {
    try {
      action();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PrivilegeDropError(
        `unable to ${what}: ${reason}${root ? '' : ' (not running as root)'}`,
      );
    }
  };
  if (ids.gid !== null) {
    const gid = ids.gid;
    if (root) step(`set the supplementary groups to [${gid}]`, () => calls.setgroups([gid]));
    step(`set the group id to ${gid}`, () => calls.setgid(gid));
  } else if (ids.uid !== null && root) {
    const current = calls.getgid();
    step(`set the supplementary groups to [${current}]`, () => calls.setgroups([current]));
  }
  if (ids.uid !== null) {
    const uid = ids.uid;
    step(`set the user id to ${uid}`, () => calls.setuid(uid));
    if (calls.getuid() !== uid)
      throw new PrivilegeDropError(`the user id is still ${calls.getuid()}, not ${uid}`);
  }
}
