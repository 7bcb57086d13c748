// BGP path attributes as validated token lists: the grammars ExaBGP's text API accepts.
import { InvalidValueError } from './errors.js';

declare const brand: unique symbol;
type Branded<T, B extends string> = T & { readonly [brand]: B };

export type Community = Branded<string, 'Community'>;
export type ExtendedCommunity = Branded<string, 'ExtendedCommunity'>;
export type LargeCommunity = Branded<string, 'LargeCommunity'>;
export type Asn = Branded<number, 'Asn'>;

const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;
export const WELL_KNOWN_COMMUNITIES: ReadonlySet<string> = new Set([
  'no-export',
  'no-advertise',
  'no-export-subconfed',
  'nopeer',
  'no-peer',
  'blackhole',
]);
const EXTENDED_KINDS = new Set(['target', 'target4', 'origin', 'origin4', 'redirect']);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function splitTokens(text: string, what: string): string[] {
  if (/[^\x21-\x7e \t]/.test(text)) {
    throw new InvalidValueError(`${what} may hold only printable characters and spaces`);
  }
  const tokens = text.split(/[ \t]+/).filter((t) => t !== '');
  if (tokens.length === 0) throw new InvalidValueError(`${what} is empty`);
  return tokens;
}

function uint(text: string, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= max ? value : undefined;
}

const WELL_KNOWN_VALUES: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  nopeer: 0xffffff04,
  'no-peer': 0xffffff04,
  blackhole: 0xffff029a,
};

/** A community's 32-bit value (ASN in the high 16 bits), whichever way it was written. */
export function communityValue(community: Community): number {
  const known = WELL_KNOWN_VALUES[community];
  if (known !== undefined) return known;
  const parts = community.split(':');
  if (parts.length === 2) return Number(parts[0]) * 65536 + Number(parts[1]);
  return Number(community);
}

/** `ASN:VALUE` (16 bits each), a 32-bit number, or a well-known name such as `no-export`. */
export function parseCommunity(token: string): Community {
  const parts = token.split(':');
  if (parts.length === 2 && parts.every((p) => uint(p, UINT16_MAX) !== undefined)) {
    return token as Community;
  }
  if (parts.length === 1) {
    if (WELL_KNOWN_COMMUNITIES.has(token.toLowerCase())) return token.toLowerCase() as Community;
    if (uint(token, UINT32_MAX) !== undefined) return token as Community;
    if (/^0x[0-9a-fA-F]{1,8}$/.test(token)) return token as Community;
  }
  throw new InvalidValueError(
    `'${token}' is not a community (expected ASN:VALUE with 0-65535 each, or one of ${[...WELL_KNOWN_COMMUNITIES].join(', ')})`,
  );
}

/** `[KIND:]ASN-or-IPv4:NUMBER` with KIND one of target, target4, origin, origin4, redirect; or `0x` and 16 hex digits. */
export function parseExtendedCommunity(token: string): ExtendedCommunity {
  if (/^0x[0-9a-fA-F]{16}$/.test(token)) return token as ExtendedCommunity;
  const parts = token.split(':');
  const kind = parts.length === 3 ? parts[0]!.toLowerCase() : 'target';
  const [admin, assigned] = parts.length === 3 ? parts.slice(1) : parts;
  if (
    (parts.length === 2 || parts.length === 3) &&
    EXTENDED_KINDS.has(kind) &&
    admin !== undefined &&
    assigned !== undefined &&
    (uint(admin, UINT32_MAX) !== undefined || IPV4.test(admin)) &&
    uint(assigned, UINT32_MAX) !== undefined
  ) {
    return token as ExtendedCommunity;
  }
  throw new InvalidValueError(
    `'${token}' is not an extended community (expected target:ASN:NN, origin:IP:NN, ASN:NN, or 0x and 16 hex digits)`,
  );
}

/** `GLOBAL:LOCAL1:LOCAL2`, each 0 to 4294967295. */
export function parseLargeCommunity(token: string): LargeCommunity {
  const parts = token.split(':');
  if (parts.length === 3 && parts.every((p) => uint(p, UINT32_MAX) !== undefined)) {
    return token as LargeCommunity;
  }
  throw new InvalidValueError(
    `'${token}' is not a large community (expected A:B:C, each 0 to 4294967295)`,
  );
}

export function parseAsn(token: string): Asn {
  const value = uint(token, UINT32_MAX);
  if (value === undefined) {
    throw new InvalidValueError(`'${token}' is not an AS number (0 to 4294967295)`);
  }
  return value as Asn;
}

export const parseCommunities = (text: string): Community[] =>
  splitTokens(text, 'community').map(parseCommunity);
export const parseExtendedCommunities = (text: string): ExtendedCommunity[] =>
  splitTokens(text, 'extended community').map(parseExtendedCommunity);
export const parseLargeCommunities = (text: string): LargeCommunity[] =>
  splitTokens(text, 'large community').map(parseLargeCommunity);
export const parseAsPath = (text: string): Asn[] => splitTokens(text, 'as-path').map(parseAsn);
