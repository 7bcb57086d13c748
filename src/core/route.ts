// What a service announces: its prefixes and the attributes of each state.
import type { Asn, Community, ExtendedCommunity, LargeCommunity } from './attributes.js';
import type { AnnouncedState } from './health.js';
import type { IpAddress, IpPrefix } from './ip.js';

export type NextHop = IpAddress | 'self';

export interface RoutePolicy {
  readonly prefixes: readonly IpPrefix[];
  readonly nextHop: NextHop;
  /** MED of the first prefix in each state; each following prefix adds `increase`. */
  readonly metrics: Readonly<Record<AnnouncedState, number>>;
  readonly increase: number;
  readonly localPreference: number | null;
  readonly communities: readonly Community[] | null;
  /** Replaces `communities` in DOWN and DISABLED when set. */
  readonly disabledCommunities: readonly Community[] | null;
  readonly extendedCommunities: readonly ExtendedCommunity[] | null;
  readonly largeCommunities: readonly LargeCommunity[] | null;
  /** The as-path of every state, unless the state has its own. */
  readonly asPath: readonly Asn[] | null;
  readonly stateAsPaths: Readonly<Partial<Record<AnnouncedState, readonly Asn[]>>>;
  /** ADD-PATH path identifier; 0 or null writes none, as the reference. */
  readonly pathId: number | null;
  /** Neighbors the lines are addressed to; empty means every neighbor. */
  readonly neighbors: readonly IpAddress[];
  /** Withdraw instead of announcing with the down/disabled metric. */
  readonly withdrawOnDown: boolean;
}

export interface AnnounceCommand {
  readonly action: 'announce';
  readonly prefix: IpPrefix;
  readonly nextHop: NextHop;
  readonly med: number;
  readonly localPreference: number | null;
  readonly communities: readonly Community[] | null;
  readonly extendedCommunities: readonly ExtendedCommunity[] | null;
  readonly largeCommunities: readonly LargeCommunity[] | null;
  readonly asPath: readonly Asn[] | null;
  readonly pathId: number | null;
  readonly neighbors: readonly IpAddress[];
}

export interface WithdrawCommand {
  readonly action: 'withdraw';
  readonly prefix: IpPrefix;
  readonly nextHop: NextHop;
  readonly pathId: number | null;
  readonly neighbors: readonly IpAddress[];
}

export type RouteCommand = AnnounceCommand | WithdrawCommand;

/** The largest MED: the attribute holds 32 bits. */
export const MAX_MED = 0xffffffff;

/** A state whose MED leaves 0 to MAX_MED on the last prefix, and what it would reach. */
export interface MedOutOfRange {
  readonly state: AnnouncedState;
  readonly last: bigint;
  readonly message: string;
}

/**
 * The states whose MED, starting at the state's metric and growing by `increase` for each of
 * `count` prefixes, would leave 0 to MAX_MED; empty when every MED fits.
 */
export function medsOutOfRange(
  policy: Pick<RoutePolicy, 'metrics' | 'increase'>,
  count: number | bigint,
): MedOutOfRange[] {
  const steps = BigInt(count) > 0n ? BigInt(count) - 1n : 0n;
  const problems: MedOutOfRange[] = [];
  for (const [state, first] of Object.entries(policy.metrics) as [AnnouncedState, number][]) {
    const last = BigInt(first) + steps * BigInt(policy.increase);
    if (last < 0n || last > BigInt(MAX_MED)) {
      problems.push({
        state,
        last,
        message: `with increase ${policy.increase} over ${count} prefixes the ${state} metric reaches ${last}, outside 0 to ${MAX_MED}`,
      });
    }
  }
  return problems;
}
