// Reads a file the user named as a configuration, only when it is a regular file.
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  statSync,
  type Stats,
} from 'node:fs';

/** The path names a FIFO, a device, a directory or a socket: reading it would block or never end. */
export class NotRegularFileError extends Error {
  override readonly name = 'NotRegularFileError';
}

function refuseIrregular(stats: Stats): void {
  if (stats.isFile()) return;
  let kind = 'not a file';
  if (stats.isDirectory()) kind = 'a directory';
  else if (stats.isFIFO()) kind = 'a FIFO';
  else if (stats.isCharacterDevice()) kind = 'a character device';
  else if (stats.isBlockDevice()) kind = 'a block device';
  else if (stats.isSocket()) kind = 'a socket';
  throw new NotRegularFileError(`not a regular file (${kind})`);
}

/**
 * The text of the regular file at `path`; throws a NotRegularFileError for anything else, or the
 * error of stat/open/read (with its errno code). Checked before opening, since opening a FIFO waits
 * for a writer and opening a device may act on it; checked again on the open descriptor (opened
 * without blocking) in case the path was replaced in between.
 */
export function readRegularFile(path: string): string {
  refuseIrregular(statSync(path));
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    refuseIrregular(fstatSync(fd));
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
