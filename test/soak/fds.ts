// What a process's open files are, sorted into those it holds for its life and those of the work in
// flight at the moment of the reading (a check's child and its pipes, a check's connection).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface FdCount {
  readonly total: number;
  /** Held for the process's life: its event loop, files, pipes to ExaBGP, listening sockets. */
  readonly held: number;
  /** Socket pairs without a name: the stdout and stderr of a child running now (two a check). */
  readonly childPipes: number;
  /** TCP connections: a check's connection to its target, a request to /status or /metrics. */
  readonly connections: number;
}

/** The tables of /proc/PID/net/ the sockets are looked up in. */
export interface SocketTables {
  readonly tcp: string;
  readonly tcp6: string;
  readonly unix: string;
}

const LISTEN = '0A';

/** Socket inode → 'listen', 'connection' or 'pair' (a unix socket without a path). */
function socketKinds(
  tables: SocketTables,
): Map<string, 'listen' | 'connection' | 'pair' | 'named'> {
  const kinds = new Map<string, 'listen' | 'connection' | 'pair' | 'named'>();
  for (const table of [tables.tcp, tables.tcp6]) {
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const inode = fields[9];
      if (inode === undefined) continue;
      kinds.set(inode, fields[3] === LISTEN ? 'listen' : 'connection');
    }
  }
  for (const line of tables.unix.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const inode = fields[6];
    if (inode === undefined) continue;
    kinds.set(inode, fields[7] === undefined ? 'pair' : 'named');
  }
  return kinds;
}

/**
 * Sorts the targets of a process's descriptors (`readlink /proc/PID/fd/N`). A socket found in no
 * table was closed between the two readings: it was in flight.
 */
export function classifyFds(targets: readonly string[], tables: SocketTables): FdCount {
  const kinds = socketKinds(tables);
  let childPipes = 0;
  let connections = 0;
  let gone = 0;
  for (const target of targets) {
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode === undefined) continue;
    const kind = kinds.get(inode);
    if (kind === 'pair') childPipes++;
    else if (kind === 'connection') connections++;
    else if (kind === undefined) gone++;
  }
  const total = targets.length;
  return { total, held: total - childPipes - connections - gone, childPipes, connections };
}

/** Reads and sorts the open files of `pid`; null when it is gone. */
export function countFds(pid: number): FdCount | null {
  try {
    const dir = `/proc/${pid}/fd`;
    const targets: string[] = [];
    for (const fd of readdirSync(dir)) {
      try {
        targets.push(readlinkSync(`${dir}/${fd}`));
      } catch {
        // Closed since the listing.
      }
    }
    const table = (name: string) => {
      try {
        return readFileSync(`/proc/${pid}/net/${name}`, 'utf8');
      } catch {
        return '';
      }
    };
    return classifyFds(targets, { tcp: table('tcp'), tcp6: table('tcp6'), unix: table('unix') });
  } catch {
    return null;
  }
}
