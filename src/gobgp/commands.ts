// What the gobgp CLI is told: the words that add and delete our paths, GoBGP's RIB read back, the difference.
import { communityValue } from '../core/attributes.js';
import type { IpPrefix } from '../core/ip.js';
import type { AnnounceCommand } from '../core/route.js';
import { gobgpExtendedCommunity } from '../core/speaker-support.js';
import type { DesiredRoute, ManagedPrefix } from '../speakers/route-set.js';

export type GobgpFamily = 'ipv4' | 'ipv6';

export const familyOf = (prefix: IpPrefix): GobgpFamily => (prefix.family === 4 ? 'ipv4' : 'ipv6');

/** ExaBGP announces with origin IGP unless told otherwise; GoBGP's own default is incomplete. */
const ORIGIN_IGP = 0;

/** The arguments that make GoBGP hold `command`'s path (an add replaces the path of the same id). */
export function addArgs(command: AnnounceCommand): string[] {
  const args = ['global', 'rib', 'add', command.prefix.text];
  if (command.pathId) args.push('identifier', String(command.pathId));
  args.push('origin', 'igp');
  if (command.asPath) args.push('aspath', command.asPath.join(','));
  // Without a next hop GoBGP stores the unspecified address and sends its own: next-hop self.
  if (command.nextHop !== 'self') args.push('nexthop', command.nextHop.text);
  args.push('med', String(command.med));
  if (command.localPreference !== null) args.push('local-pref', String(command.localPreference));
  if (command.communities) {
    const pairs = command.communities.map((c) => {
      const value = communityValue(c);
      return `${Math.floor(value / 65536)}:${value % 65536}`;
    });
    args.push('community', pairs.join(','));
  }
  if (command.largeCommunities) args.push('large-community', command.largeCommunities.join(','));
  for (const community of command.extendedCommunities ?? []) {
    const words = gobgpExtendedCommunity(community);
    if (words !== null) args.push(...words.split(' '));
  }
  args.push('-a', familyOf(command.prefix));
  return args;
}

/** The arguments that delete the path of `prefix` with identifier `pathId` (none: 0). */
export function delArgs(prefix: IpPrefix, pathId: number | null): string[] {
  const args = ['global', 'rib', 'del', prefix.text];
  if (pathId) args.push('identifier', String(pathId));
  args.push('-a', familyOf(prefix));
  return args;
}

/** The arguments that list the global RIB of a family as JSON. */
export const listArgs = (family: GobgpFamily): string[] => ['global', 'rib', '-a', family, '-j'];

/** One path of GoBGP's global RIB that no peer sent (added through the API), as a comparable text. */
export interface HeldPath {
  readonly prefix: string;
  readonly signature: string;
}

interface Attribute {
  readonly type?: number;
  readonly value?: unknown;
  readonly metric?: number;
  readonly nexthop?: string;
  readonly communities?: readonly number[];
  readonly as_paths?: readonly { readonly asns?: readonly number[] }[];
}

interface RibPath {
  readonly attrs?: readonly Attribute[];
  readonly 'neighbor-ip'?: string;
}

interface Signature {
  origin: number | undefined;
  nextHop: string | undefined;
  med: number | undefined;
  localPreference: number | undefined;
  asPath: readonly number[];
  communities: readonly number[];
  extended: readonly string[];
  large: readonly string[];
}

const signatureText = (s: Signature): string =>
  JSON.stringify({
    ...s,
    communities: [...s.communities].sort((a, b) => a - b),
    extended: [...s.extended].sort(),
    large: [...s.large].sort(),
  });

/** The signature GoBGP's listing shows for the path `command` adds. */
export function signatureOf(command: AnnounceCommand): string {
  const self = command.prefix.family === 4 ? '0.0.0.0' : '::';
  return signatureText({
    origin: ORIGIN_IGP,
    nextHop: command.nextHop === 'self' ? self : command.nextHop.text,
    med: command.med,
    localPreference: command.localPreference ?? undefined,
    asPath: command.asPath ?? [],
    communities: (command.communities ?? []).map(communityValue),
    extended: (command.extendedCommunities ?? []).flatMap((c) => {
      const words = gobgpExtendedCommunity(c);
      return words === null ? [] : [words.replace(' ', ':')];
    }),
    large: command.largeCommunities ?? [],
  });
}

function extendedText(entry: unknown): string {
  const { type, subtype, value } = entry as { type?: number; subtype?: number; value?: unknown };
  // Subtype 2 is the route target, whether the administrator is a 2- or 4-octet AS or an IPv4 address.
  return subtype === 2 && type !== undefined && type <= 2
    ? `rt:${String(value)}`
    : `${type}.${subtype}:${String(value)}`;
}

function largeText(entry: unknown): string {
  // GoBGP marshals its large community without JSON tags: the keys are its field names.
  const { ASN, LocalData1, LocalData2 } = entry as Record<string, number | undefined>;
  return `${ASN}:${LocalData1}:${LocalData2}`;
}

function signatureOfPath(path: RibPath): string {
  const attrs = path.attrs ?? [];
  const byType = (type: number) => attrs.find((a) => a.type === type);
  const origin = byType(1)?.value;
  const localPreference = byType(5)?.value;
  const extended = byType(16)?.value;
  const large = byType(32)?.value;
  return signatureText({
    origin: typeof origin === 'number' ? origin : undefined,
    // IPv4 has NEXT_HOP (3); IPv6 carries the next hop in MP_REACH_NLRI (14).
    nextHop: byType(3)?.nexthop ?? byType(14)?.nexthop,
    med: byType(4)?.metric,
    localPreference: typeof localPreference === 'number' ? localPreference : undefined,
    asPath: (byType(2)?.as_paths ?? []).flatMap((segment) => segment.asns ?? []),
    communities: byType(8)?.communities ?? [],
    extended: Array.isArray(extended) ? extended.map(extendedText) : [],
    large: Array.isArray(large) ? large.map(largeText) : [],
  });
}

/** The paths `gobgp global rib -a FAMILY -j` lists that were added locally; throws on an error reply. */
export function parseHeldPaths(json: string): HeldPath[] {
  const text = json.trim();
  if (text === '' || text === 'null') return [];
  let table: unknown;
  try {
    table = JSON.parse(text);
  } catch {
    throw new Error(
      `gobgp listed something other than JSON: ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
  if (table === null || typeof table !== 'object' || Array.isArray(table))
    throw new Error(`gobgp listed an unexpected value: ${JSON.stringify(text.slice(0, 200))}`);
  const { error } = table as { error?: unknown };
  if (typeof error === 'string') throw new Error(`gobgp: ${error}`);
  const held: HeldPath[] = [];
  for (const [prefix, paths] of Object.entries(table as Record<string, unknown>)) {
    if (!Array.isArray(paths)) continue;
    for (const path of paths as RibPath[]) {
      // A path a peer sent names that peer; the ones added through the API name none.
      const neighbor = path['neighbor-ip'];
      if (neighbor !== undefined && neighbor !== '' && neighbor !== '<nil>') continue;
      held.push({ prefix, signature: signatureOfPath(path) });
    }
  }
  return held;
}

/** The families whose RIB must be read to compare these prefixes. */
export function familiesOf(prefixes: readonly IpPrefix[]): GobgpFamily[] {
  const families = new Set(prefixes.map(familyOf));
  return (['ipv4', 'ipv6'] as const).filter((f) => families.has(f));
}

/** What GoBGP is told to hold when it holds nothing yet: an add per route, a delete per other prefix. */
export function stateCommands(
  routes: readonly DesiredRoute[],
  managed: readonly ManagedPrefix[],
): string[][] {
  const wanted = new Set(routes.map((r) => r.command.prefix.text));
  return [
    ...routes.map((r) => addArgs(r.command)),
    ...managed.filter((m) => !wanted.has(m.prefix.text)).map((m) => delArgs(m.prefix, m.pathId)),
  ];
}

/**
 * The commands that take GoBGP from `held` to exactly `routes`, for the prefixes in `managed` and
 * `routes` only: a prefix whose one path already matches is left alone; another is added (which
 * replaces a path of the same identifier), after the paths of its other identifiers went when there
 * are several; a prefix no route wants loses the paths of every identifier in `ids`, the
 * identifiers we know of for each prefix (GoBGP's listing does not show them).
 */
export function planChanges(
  routes: readonly DesiredRoute[],
  managed: readonly ManagedPrefix[],
  held: readonly HeldPath[],
  ids: ReadonlyMap<string, ReadonlySet<number>> = new Map(),
): string[][] {
  const heldBy = new Map<string, HeldPath[]>();
  for (const path of held) heldBy.set(path.prefix, [...(heldBy.get(path.prefix) ?? []), path]);
  const wanted = new Map(routes.map((r) => [r.command.prefix.text, r.command]));
  const prefixes = new Map<string, IpPrefix>();
  const known = new Map<string, Set<number>>();
  for (const { prefix, pathId } of [
    ...managed,
    ...routes.map((r) => ({ prefix: r.command.prefix, pathId: r.command.pathId })),
  ]) {
    prefixes.set(prefix.text, prefix);
    const set = known.get(prefix.text) ?? new Set([0, ...(ids.get(prefix.text) ?? [])]);
    set.add(pathId ?? 0);
    known.set(prefix.text, set);
  }
  const commands: string[][] = [];
  for (const [text, prefix] of prefixes) {
    const have = heldBy.get(text) ?? [];
    const want = wanted.get(text);
    const candidates = [...(known.get(text) ?? [0])].sort((a, b) => a - b);
    if (want === undefined) {
      if (have.length > 0) commands.push(...candidates.map((id) => delArgs(prefix, id)));
      continue;
    }
    if (have.length === 1 && have[0]!.signature === signatureOf(want)) continue;
    if (have.length > 1)
      for (const id of candidates)
        if (id !== (want.pathId ?? 0)) commands.push(delArgs(prefix, id));
    commands.push(addArgs(want));
  }
  return commands;
}
