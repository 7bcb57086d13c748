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
