// `convert FILE`: rewrites an ExaBGP-format healthcheck config as the equivalent YAML config, on stdout.
import { ConfigError, formatIssue } from '../config/errors.js';
import { parseHealthcheckArgs, type HealthcheckOptions } from '../config/healthcheck-args.js';
import { asksForHelp, isYamlFile, loadConfigFile } from './check-config.js';
import type { CliIo } from './io.js';

const USAGE =
  'usage: bgp-healthcheck convert FILE  (an ExaBGP-format healthcheck config; YAML goes to stdout)\n' +
  '       bgp-healthcheck convert --from anycast-healthchecker [MAIN.conf] [SERVICE_DIR]\n';

/** Process options a YAML file does not hold: they stay on the command line that runs the process. */
function processOptions(options: HealthcheckOptions): string[] {
  const out: string[] = [];
  const { logging } = options;
  if (logging.debug) out.push('--debug');
  if (logging.silent) out.push('--silent');
  if (logging.syslogFacility === null && !logging.debug) out.push('--no-syslog');
  else if (logging.syslogFacility !== null && logging.syslogFacility !== 'daemon') {
    out.push(`--syslog-facility ${logging.syslogFacility}`);
  }
  if (options.noAck) out.push('--no-ack');
  if (options.pidFile !== null) out.push(`--pid ${options.pidFile}`);
  if (options.user !== null) out.push(`--user ${options.user}`);
  if (options.group !== null) out.push(`--group ${options.group}`);
  if (options.apiForm !== 4) out.push(`--api-version ${options.apiForm}`);
  if (options.ackTimeout !== 10) out.push(`--ack-timeout ${options.ackTimeout}`);
  return out;
}

const HELP = `${USAGE}Reads FILE, ExaBGP's line-per-option healthcheck config (each line a long option without
its dashes), and writes the equivalent YAML services file to stdout. Options that belong to the
process rather than to a service (logging, --pid, --user, ...) are named on stderr: they stay on
the command line that runs bgp-healthcheck --config FILE.yaml.

With --from anycast-healthchecker, reads anycast-healthchecker's main file (default
/etc/anycast-healthchecker.conf) and the *.conf files of its service directory (default
/etc/anycast-healthchecker.d), and writes a YAML config that drives BIRD 2 with the same prefix
sets. A setting with no equivalent is a comment at the top of the YAML and a line on stderr.
exit status: 0 converted, 2 invalid or usage error
`;

/** `--from SOURCE` (or `--from=SOURCE`) anywhere in args, and the other arguments. */
function fromOption(args: readonly string[]): { source: string; rest: string[] } | null {
  const at = args.findIndex((arg) => arg === '--from' || arg.startsWith('--from='));
  if (at < 0) return null;
  const arg = args[at] ?? '';
  const inline = arg.startsWith('--from=');
  const source = inline ? arg.slice('--from='.length) : (args[at + 1] ?? '');
  const rest = args.filter((_, i) => i !== at && (inline || i !== at + 1));
  return { source, rest };
}

export async function convertCommand(args: string[], io: CliIo): Promise<number> {
  if (asksForHelp(args)) {
    io.stdout(HELP);
    return 0;
  }
  const from = fromOption(args);
  if (from !== null) {
    if (from.source !== 'anycast-healthchecker') {
      io.stderr(`--from: expected anycast-healthchecker, not '${from.source}'\n${USAGE}`);
      return 2;
    }
    const { convertFromAnycast } = await import('./convert-anycast.js');
    return convertFromAnycast(from.rest, io, USAGE);
  }
  const [file, ...extra] = args;
  if (file === undefined || extra.length > 0 || (file.startsWith('-') && file !== '-')) {
    io.stderr(USAGE);
    return 2;
  }
  if (isYamlFile(file)) {
    io.stderr(`${file}: already a YAML config; convert reads the ExaBGP line format\n`);
    return 2;
  }
  const loaded = await loadConfigFile(file, io);
  if (!loaded.ok) {
    for (const issue of loaded.issues)
      io.stderr(`${formatIssue({ ...issue, file: issue.file ?? file })}\n`);
    return 2;
  }
  const text = await io.readFile(file);
  try {
    const kept = processOptions(parseHealthcheckArgs(['--config', file], () => text));
    if (kept.length > 0) {
      io.stderr(
        `${file}: not part of the YAML file, keep these on the command line: ${kept.join(' ')}\n`,
      );
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  const { serviceToYaml } = await import('../config/to-yaml.js');
  io.stdout(serviceToYaml(loaded.services));
  return 0;
}
