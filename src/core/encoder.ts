// The one place that writes ExaBGP's text API: a route command in, exactly one line out.
import type { RouteCommand } from './route.js';

/** `4` writes `announce route ...` (ExaBGP 4.x); `5` writes `neighbor * announce route ...`. */
export type ApiForm = 4 | 5;

const list = (name: string, tokens: readonly (string | number)[] | null): string =>
  tokens ? ` ${name} [ ${tokens.join(' ')} ]` : '';

export function encodeExabgpText(command: RouteCommand, form: ApiForm = 4): string {
  const nextHop = command.nextHop === 'self' ? 'self' : command.nextHop.text;
  let line = `route ${command.prefix.text} next-hop ${nextHop}`;
  if (command.action === 'announce') {
    line += ` med ${command.med}`;
    if (command.localPreference !== null) line += ` local-preference ${command.localPreference}`;
    line += list('community', command.communities);
    line += list('extended-community', command.extendedCommunities);
    line += list('large-community', command.largeCommunities);
    line += list('as-path', command.asPath);
  }
  if (command.pathId) line += ` path-information ${command.pathId}`;
  let verb: string = command.action;
  if (command.neighbors.length > 0) {
    verb = `${command.neighbors.map((n) => `neighbor ${n.text}`).join(', ')} ${verb}`;
  } else if (form === 5) {
    verb = `neighbor * ${verb}`;
  }
  const text = `${verb} ${line}`;
  // Every part above is a parsed value; this guards the invariant, it is not the validation.
  if (/[\r\n;]/.test(text))
    throw new Error(`refusing to write an unsafe API line: ${JSON.stringify(text)}`);
  return text;
}
