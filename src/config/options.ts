// The ExaBGP healthcheck's option table (4.2 plus the main-branch additions) and our own extra options.

export type OptionKind = 'flag' | 'value' | 'optional-value' | 'append';

export interface OptionSpec {
  /** Key in the parsed result. */
  readonly dest: string;
  /** Long spellings, first is the canonical one (used in messages). */
  readonly long: readonly string[];
  readonly short: readonly string[];
  readonly kind: OptionKind;
  /** The value an `optional-value` option takes when given alone. */
  readonly const?: string;
  readonly metavar?: string;
  readonly help: string;
  readonly group: string;
  /** Options of one exclusive group may not be combined. */
  readonly exclusive?: string;
}

const G_GENERAL = 'general';
const G_CHECK = 'checking healthiness';
const G_ADVERTISE = 'advertising options';
const G_REPORT = 'reporting';
const G_EXTRA = 'bgp-healthcheck additions';

export const OPTION_SPECS: readonly OptionSpec[] = [
  { dest: 'help', long: ['--help'], short: ['-h'], kind: 'flag', help: 'show this help message and exit', group: G_GENERAL },
  { dest: 'silent', long: ['--silent'], short: ['-s'], kind: 'flag', help: "don't log to console", group: G_GENERAL, exclusive: 'log' },
  { dest: 'syslogFacility', long: ['--syslog-facility'], short: ['-sF'], kind: 'optional-value', const: 'daemon', metavar: 'FACILITY', help: 'log to syslog using FACILITY, default FACILITY is daemon', group: G_GENERAL, exclusive: 'log' },
  { dest: 'noSyslog', long: ['--no-syslog'], short: [], kind: 'flag', help: 'disable syslog logging', group: G_GENERAL, exclusive: 'log' },
  { dest: 'noAck', long: ['--no-ack'], short: ['-a'], kind: 'flag', help: 'set for exabgp 3.4 or 4.x when exabgp.api.ack=false', group: G_GENERAL },
  { dest: 'sudo', long: ['--sudo'], short: [], kind: 'flag', help: 'use sudo to setup ip addresses', group: G_GENERAL },
  { dest: 'debug', long: ['--debug'], short: ['-d'], kind: 'flag', help: 'enable debugging', group: G_GENERAL },
  { dest: 'name', long: ['--name'], short: ['-n'], kind: 'value', metavar: 'NAME', help: 'name for this healthchecker', group: G_GENERAL },
  { dest: 'config', long: ['--config'], short: ['-F'], kind: 'value', metavar: 'FILE', help: 'read configuration from a file (one option per line; FILE.yaml: several services)', group: G_GENERAL },
  { dest: 'pid', long: ['--pid'], short: ['-p'], kind: 'value', metavar: 'FILE', help: 'write PID to the provided file', group: G_GENERAL },
  { dest: 'user', long: ['--user'], short: [], kind: 'value', metavar: 'USER', help: 'set user after setting loopback addresses', group: G_GENERAL },
  { dest: 'group', long: ['--group'], short: [], kind: 'value', metavar: 'GROUP', help: 'set group after setting loopback addresses', group: G_GENERAL },

  { dest: 'interval', long: ['--interval'], short: ['-i'], kind: 'value', metavar: 'N', help: 'wait N seconds between each healthcheck (zero to exit after first announcement)', group: G_CHECK },
  { dest: 'fastInterval', long: ['--fast-interval'], short: ['-f'], kind: 'value', metavar: 'N', help: 'when a state change is about to occur, wait N seconds between each healthcheck', group: G_CHECK },
  { dest: 'timeout', long: ['--timeout'], short: ['-t'], kind: 'value', metavar: 'N', help: 'wait N seconds for the check command to execute', group: G_CHECK },
  { dest: 'rise', long: ['--rise'], short: [], kind: 'value', metavar: 'N', help: 'check N times before considering the service up', group: G_CHECK },
  { dest: 'fall', long: ['--fall'], short: [], kind: 'value', metavar: 'N', help: 'check N times before considering the service down', group: G_CHECK },
  { dest: 'disable', long: ['--disable'], short: [], kind: 'value', metavar: 'FILE', help: 'if FILE exists, the service is considered disabled', group: G_CHECK },
  { dest: 'command', long: ['--command', '--cmd'], short: ['-c'], kind: 'value', metavar: 'CMD', help: 'command to use for healthcheck', group: G_CHECK },

  { dest: 'nextHop', long: ['--next-hop'], short: ['-N'], kind: 'value', metavar: 'IP', help: 'self IP address to use as next hop', group: G_ADVERTISE },
  { dest: 'ip', long: ['--ip'], short: [], kind: 'append', metavar: 'IP', help: 'advertise this IP address or network (CIDR notation)', group: G_ADVERTISE },
  { dest: 'ipIfname', long: ['--ip-ifname'], short: [], kind: 'append', metavar: 'IP%IFNAME', help: 'bind this IP address or network (CIDR) to the given interface (i.e. 192.0.2.1%eth0)', group: G_ADVERTISE },
  { dest: 'localPreference', long: ['--local-preference'], short: [], kind: 'value', metavar: 'P', help: 'advertise with local preference P', group: G_ADVERTISE },
  { dest: 'deaggregateNetworks', long: ['--deaggregate-networks'], short: [], kind: 'flag', help: 'Deaggregate Networks specified in --ip', group: G_ADVERTISE },
  { dest: 'noIpSetup', long: ['--no-ip-setup'], short: [], kind: 'flag', help: "don't setup missing IP addresses", group: G_ADVERTISE },
  { dest: 'dynamicIpSetup', long: ['--dynamic-ip-setup'], short: [], kind: 'flag', help: 'delete existing loopback ips on state down and disabled, then restore loopback when up', group: G_ADVERTISE },
  { dest: 'label', long: ['--label'], short: [], kind: 'value', metavar: 'LABEL', help: 'use the provided label to match loopback addresses', group: G_ADVERTISE },
  { dest: 'labelExactMatch', long: ['--label-exact-match'], short: [], kind: 'flag', help: 'the label must equal, not start with, LABEL', group: G_ADVERTISE },
  { dest: 'startIp', long: ['--start-ip'], short: [], kind: 'value', metavar: 'N', help: 'index of the first IP in the list of IP addresses', group: G_ADVERTISE },
  { dest: 'upMetric', long: ['--up-metric'], short: [], kind: 'value', metavar: 'M', help: 'first IP get the metric M when the service is up', group: G_ADVERTISE },
  { dest: 'downMetric', long: ['--down-metric'], short: [], kind: 'value', metavar: 'M', help: 'first IP get the metric M when the service is down', group: G_ADVERTISE },
  { dest: 'disabledMetric', long: ['--disabled-metric'], short: [], kind: 'value', metavar: 'M', help: 'first IP get the metric M when the service is disabled', group: G_ADVERTISE },
  { dest: 'increase', long: ['--increase'], short: [], kind: 'value', metavar: 'M', help: 'for each additional IP address, increase metric value by M', group: G_ADVERTISE },
  { dest: 'community', long: ['--community'], short: [], kind: 'value', metavar: 'COMMUNITY', help: 'announce IPs with the supplied community', group: G_ADVERTISE },
  { dest: 'extendedCommunity', long: ['--extended-community'], short: [], kind: 'value', metavar: 'EXTENDEDCOMMUNITY', help: 'announce IPs with the supplied extended community', group: G_ADVERTISE },
  { dest: 'largeCommunity', long: ['--large-community'], short: [], kind: 'value', metavar: 'LARGECOMMUNITY', help: 'announce IPs with the supplied large community', group: G_ADVERTISE },
  { dest: 'disabledCommunity', long: ['--disabled-community'], short: [], kind: 'value', metavar: 'DISABLEDCOMMUNITY', help: 'announce IPs with the supplied community when down or disabled', group: G_ADVERTISE },
  { dest: 'asPath', long: ['--as-path'], short: [], kind: 'value', metavar: 'ASPATH', help: 'announce IPs with the supplied as-path', group: G_ADVERTISE },
  { dest: 'upAsPath', long: ['--up-as-path'], short: [], kind: 'value', metavar: 'ASPATH', help: 'announce IPs with the supplied as-path when the service is up', group: G_ADVERTISE },
  { dest: 'downAsPath', long: ['--down-as-path'], short: [], kind: 'value', metavar: 'ASPATH', help: 'announce IPs with the supplied as-path when the service is down', group: G_ADVERTISE },
  { dest: 'disabledAsPath', long: ['--disabled-as-path'], short: [], kind: 'value', metavar: 'ASPATH', help: 'announce IPs with the supplied as-path when the service is disabled', group: G_ADVERTISE },
  { dest: 'withdrawOnDown', long: ['--withdraw-on-down'], short: [], kind: 'flag', help: 'Instead of increasing the metric on health failure, withdraw the route', group: G_ADVERTISE },
  { dest: 'pathId', long: ['--path-id'], short: [], kind: 'value', metavar: 'PATHID', help: 'path ID to advertise for the route', group: G_ADVERTISE },
  { dest: 'neighbor', long: ['--neighbor'], short: [], kind: 'append', metavar: 'NEIGHBOR', help: 'advertise the route to the selected neighbors', group: G_ADVERTISE },
  { dest: 'debounce', long: ['--debounce'], short: [], kind: 'flag', help: 'announce only on state changes, instead of every iteration', group: G_ADVERTISE },

  { dest: 'execute', long: ['--execute'], short: [], kind: 'append', metavar: 'CMD', help: 'execute CMD on state change', group: G_REPORT },
  { dest: 'upExecute', long: ['--up-execute'], short: [], kind: 'append', metavar: 'CMD', help: 'execute CMD when the service becomes available', group: G_REPORT },
  { dest: 'downExecute', long: ['--down-execute'], short: [], kind: 'append', metavar: 'CMD', help: 'execute CMD when the service becomes unavailable', group: G_REPORT },
  { dest: 'disabledExecute', long: ['--disabled-execute'], short: [], kind: 'append', metavar: 'CMD', help: 'execute CMD when the service is disabled', group: G_REPORT },

  { dest: 'apiVersion', long: ['--api-version'], short: [], kind: 'value', metavar: '4|5', help: "ExaBGP API form: 4 writes 'announce route ...', 5 writes 'neighbor * announce route ...' (default 4)", group: G_EXTRA },
  { dest: 'ackTimeout', long: ['--ack-timeout'], short: [], kind: 'value', metavar: 'N', help: 'wait at most N seconds for ExaBGP to acknowledge a line, then log and go on (default 10)', group: G_EXTRA },
];
