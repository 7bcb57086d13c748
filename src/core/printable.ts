// Text shown back to people on one line (service names, maintenance reasons): what it may hold.
import { InvalidValueError } from './errors.js';

// C0, DEL and C1 (U+0085 NEL among them), and the Unicode line and paragraph separators: each can
// break a log line, a syslog record, a table row or a Nagios status line.
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';
const CONTROL_CHARACTER = new RegExp(`[${CONTROL}]`);

/**
 * A service name: 1 to 128 characters (UTF-16 code units), none of them a control or
 * line-breaking character, not starting or ending with white space. Written without flags so
 * the JSON Schema can carry it as its pattern.
 */
export const SERVICE_NAME = new RegExp(
  `^[^\\s${CONTROL}](?:[^${CONTROL}]{0,126}[^\\s${CONTROL}])?$`,
);

export const SERVICE_NAME_RULE =
  'expected a name of 1 to 128 characters without control characters or line breaks, not starting or ending with a space';

/** The first control or line-breaking character in `text` as `U+XXXX`, or null when there is none. */
export function controlCharacterIn(text: string): string | null {
  const found = CONTROL_CHARACTER.exec(text);
  if (!found) return null;
  return `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `text` when it is a valid service name; otherwise throws, saying what a name may hold. */
export function parseServiceName(text: string): string {
  if (SERVICE_NAME.test(text)) return text;
  const control = controlCharacterIn(text);
  let got = `'${text}'`;
  if (control !== null) got = `one with ${control}`;
  else if (text.length > 128) got = `${text.length} characters`;
  throw new InvalidValueError(`${SERVICE_NAME_RULE}, got ${got}`);
}
