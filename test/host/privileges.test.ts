import { describe, expect, it } from 'vitest';
import {
  dropPrivileges,
  findEntry,
  PrivilegeDropError,
  resolveIds,
  UnknownUserError,
  type EntryLookup,
  type IdentityCalls,
} from '../../src/host/privileges.js';

const PASSWD =
  'root:x:0:0:root:/root:/bin/bash\n# comment\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\nweb:x:1001:alice\n';

const fileLookup: EntryLookup = (database, key) =>
  Promise.resolve(findEntry(database === 'passwd' ? PASSWD : GROUP, key));

function fakeCalls(euid = 0) {
  const log: string[] = [];
  let uid = euid;
  let gid = euid;
  const calls: IdentityCalls = {
    geteuid: () => uid,
    getuid: () => uid,
    getgid: () => gid,
    setgroups: (groups) => {
      if (uid !== 0) throw new Error('EPERM, Operation not permitted');
      log.push(`setgroups ${groups.join(',')}`);
    },
    setgid: (g) => {
      if (uid !== 0 && g !== gid) throw new Error('EPERM, Operation not permitted');
      log.push(`setgid ${g}`);
      gid = g;
    },
    setuid: (u) => {
      if (uid !== 0 && u !== uid) throw new Error('EPERM, Operation not permitted');
      log.push(`setuid ${u}`);
      uid = u;
    },
  };
  return { calls, log };
}

describe('resolveIds', () => {
  it('resolves a user and a group by name', async () => {
    expect(await resolveIds('nobody', 'web', fileLookup)).toEqual({ uid: 65534, gid: 1001 });
  });

  it('leaves an id null when its option is not given', async () => {
    expect(await resolveIds(null, null, fileLookup)).toEqual({ uid: null, gid: null });
    expect(await resolveIds('root', null, fileLookup)).toEqual({ uid: 0, gid: null });
  });

  it('names an unknown user in an UnknownUserError', async () => {
    const error = await resolveIds('nosuchuser', null, fileLookup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownUserError);
    expect((error as Error).message).toBe("unknown user 'nosuchuser'");
  });

  it('names an unknown group in an UnknownUserError', async () => {
    await expect(resolveIds('nobody', 'nosuchgroup', fileLookup)).rejects.toThrow(
      "unknown group 'nosuchgroup'",
    );
  });

  it('rejects a name that could not be a database key without looking it up', async () => {
    await expect(
      resolveIds('a:b', null, () => Promise.reject(new Error('looked up'))),
    ).rejects.toBeInstanceOf(UnknownUserError);
  });

  it('finds root and rejects a made-up name through the system database', async () => {
    expect(await resolveIds('root', 'root')).toEqual({ uid: 0, gid: 0 });
    await expect(resolveIds(`bhc-no-such-user-${process.pid}`, null)).rejects.toBeInstanceOf(
      UnknownUserError,
    );
  });
});

describe('findEntry', () => {
  it('matches a name on the first field and a number on the third, skipping comments', () => {
    expect(findEntry(PASSWD, 'nobody')).toBe(
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    );
    expect(findEntry(PASSWD, '0')).toBe('root:x:0:0:root:/root:/bin/bash');
    expect(findEntry(PASSWD, '# comment')).toBeNull();
    expect(findEntry(PASSWD, 'nobod')).toBeNull();
  });
});

describe('dropPrivileges', () => {
  it('sets the groups and the group before the user', () => {
    const { calls, log } = fakeCalls();
    dropPrivileges({ uid: 65534, gid: 65534 }, calls);
    expect(log).toEqual(['setgroups 65534', 'setgid 65534', 'setuid 65534']);
  });

  it('drops root supplementary groups but keeps the group id when only the user is given', () => {
    const { calls, log } = fakeCalls();
    dropPrivileges({ uid: 65534, gid: null }, calls);
    expect(log).toEqual(['setgroups 0', 'setuid 65534']);
  });

  it('changes only the group when only the group is given', () => {
    const { calls, log } = fakeCalls();
    dropPrivileges({ uid: null, gid: 1001 }, calls);
    expect(log).toEqual(['setgroups 1001', 'setgid 1001']);
  });

  it('does nothing when neither is given', () => {
    const { calls, log } = fakeCalls();
    dropPrivileges({ uid: null, gid: null }, calls);
    expect(log).toEqual([]);
  });

  it('lets a non-root process switch to its own ids', () => {
    const { calls, log } = fakeCalls(1000);
    dropPrivileges({ uid: 1000, gid: 1000 }, calls);
    expect(log).toEqual(['setgid 1000', 'setuid 1000']);
  });

  it('says which step failed and that the process is not root', () => {
    const { calls } = fakeCalls(1000);
    expect(() => dropPrivileges({ uid: 65534, gid: null }, calls)).toThrow(PrivilegeDropError);
    expect(() => dropPrivileges({ uid: 65534, gid: null }, calls)).toThrow(
      'unable to set the user id to 65534: EPERM, Operation not permitted (not running as root)',
    );
  });
});
