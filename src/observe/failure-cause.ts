// Why a check failed, as one of a few words an alert or a dashboard can group by.

export const FAILURE_CAUSES = [
  'timeout',
  'refused',
  'status',
  'body',
  'rcode',
  'exit',
  'error',
] as const;
export type FailureCause = (typeof FAILURE_CAUSES)[number];

/** The probes' reasons, first match wins; anything else (DNS lookups, TLS, resets...) is `error`. */
const PATTERNS: readonly (readonly [FailureCause, RegExp])[] = [
  ['timeout', /^timeout after |ETIMEDOUT/],
  ['refused', /ECONNREFUSED/],
  ['status', /^HTTP \d{3}\b/],
  [
    'body',
    /^body does not |^no answer matching |not in the first .* received$|before '.*' was received$/,
  ],
  ['rcode', /^rcode /],
  ['exit', /^exit status |^killed by /],
];

/** The cause of one check's failure, from the reason its probe gave. */
export function failureCause(reason: string): FailureCause {
  for (const [cause, pattern] of PATTERNS) if (pattern.test(reason)) return cause;
  return 'error';
}
