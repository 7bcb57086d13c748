// The control socket's path limit, checked where the path is configured and again where it is bound.
import path from 'node:path';
import { InvalidValueError } from './errors.js';

/** Linux's sun_path holds 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;
/** The server binds in a private directory `DIR/.ctl-XXXXXX` beside the socket, then renames into place. */
export const BIND_DIRECTORY_PREFIX = '.ctl-';
export const BIND_SOCKET_NAME = 'control.sock';
const BIND_PATH_SUFFIX = path.join(`${BIND_DIRECTORY_PREFIX}XXXXXX`, BIND_SOCKET_NAME);

/** The absolute socket path of `text`, relative ones taken from `cwd`; throws when it cannot be bound. */
export function parseSocketPath(text: string, cwd: string): string {
  if (text === '') throw new InvalidValueError('a socket path may not be empty');
  if (/[\r\n\0]/.test(text))
    throw new InvalidValueError('a socket path may not contain a line break');
  const absolute = path.resolve(cwd, text);
  const bound = path.join(path.dirname(absolute), BIND_PATH_SUFFIX);
  if (
    Buffer.byteLength(absolute) > MAX_SOCKET_PATH_BYTES ||
    Buffer.byteLength(bound) > MAX_SOCKET_PATH_BYTES
  ) {
    throw new InvalidValueError(
      `control socket path too long (unix sockets allow about 100 bytes): ${absolute}`,
    );
  }
  return absolute;
}
