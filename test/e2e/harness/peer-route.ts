// A route as a peer's RIB shows it, whichever implementation the peer is.

export interface PeerRoute {
  readonly prefix: string;
  readonly nextHop: string | undefined;
  readonly med: number | undefined;
  readonly localPref: number | undefined;
  readonly asPath: number[];
  /** "ASN:VALUE" strings. */
  readonly communities: string[];
  /** "GLOBAL:LOCAL1:LOCAL2" strings. */
  readonly largeCommunities: string[];
}
