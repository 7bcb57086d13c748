// `check-config FILE`: validates a config (YAML or the ExaBGP line format) and shows the lines each state would write.
import { announcementsFor } from '../core/announcer.js';
import { encodeExabgpText, type ApiForm } from '../core/encoder.js';
import type { AnnouncedState } from '../core/health.js';
import type { Service } from '../core/service.js';
import {
  EXABGP_SPEAKER,
  type BirdSpeakerConfig,
  type FrrSpeakerConfig,
  type GobgpSpeakerConfig,
  type SpeakerConfig,
} from '../core/speaker-config.js';
import { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.js';
import { readFailureReason } from '../core/errors.js';
import { optionWarnings } from '../config/warnings.js';
import type { CliIo } from './io.js';

const STATES: readonly AnnouncedState[] = ['UP', 'DOWN', 'DISABLED'];
const USAGE = 'usage: bgp-healthcheck check-config [--api-version 4|5] FILE\n';
const HELP = `${USAGE}Validates FILE (a YAML services file, *.yaml or *.yml, or an ExaBGP line-per-option
healthcheck config) and prints the lines each state would write to ExaBGP, in the API form of
--api-version (default 4). Problems go to stderr with their file line; warnings too, without
changing the exit status.
exit status: 0 valid, 2 invalid or usage error
`;

export const EXIT_VALID = 0;
export const EXIT_INVALID = 2;

export type LoadedServices =
  | {
      ok: true;
      services: Service[];
      warnings: readonly ConfigIssue[];
      speaker?: SpeakerConfig;
    }
  | { ok: false; issues: ConfigIssue[] };

/** Whether the arguments of a sub-command ask for its help (`--help` or `-h`). */
export const asksForHelp = (args: readonly string[]): boolean =>
  args.some((a) => a === '--help' || a === '-h');

export const isYamlFile = (path: string): boolean => /\.ya?ml$/i.test(path);

/** Reads and loads either format; a file that cannot be read is an issue like any other. */
export async function loadConfigFile(path: string, io: CliIo): Promise<LoadedServices> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (error) {
    return {
      ok: false,
      issues: [
        { path: 'FILE', file: path, message: `cannot read '${path}': ${readFailureReason(error)}` },
      ],
    };
  }
  if (isYamlFile(path)) {
    const { loadYamlConfig } = await import('../config/yaml.js');
    const result = loadYamlConfig(text, path);
    if (!result.ok) return result;
    const { services, speaker, warnings } = result.config;
    return { ok: true, services, warnings, ...(speaker ? { speaker } : {}) };
  }
  const { loadLineConfigFile } = await import('../config/line-config.js');
  const result = loadLineConfigFile(path, () => text);
  if (!result.ok) return result;
  const { services } = result.config;
  const warnings = services.flatMap((s) => optionWarnings(s, result.optionsGiven, path));
  return { ok: true, services, warnings };
}

/** Splits `[--api-version 4|5] FILE`; null when the arguments make no sense. */
function parseArgs(args: readonly string[]): { file: string; form: ApiForm } | null {
  let form: ApiForm = 4;
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const inline = /^--api-version=(.*)$/.exec(arg);
    if (inline || arg === '--api-version') {
      const value = inline ? inline[1] : args[++i];
      if (value !== '4' && value !== '5') return null;
      form = Number(value) as ApiForm;
    } else if (file === undefined && (!arg.startsWith('-') || arg === '-')) {
      file = arg;
    } else {
      return null;
    }
  }
  return file === undefined ? null : { file, form };
}

function describeService(service: Service): string[] {
  const out: string[] = [];
  const checks = service.checks.length;
  const policy =
    service.policy.kind === 'weighted'
      ? `weighted >= ${service.policy.threshold}`
      : service.policy.kind;
  out.push(
    `# service '${service.name}': ${checks === 0 ? 'no check (always healthy)' : `${checks} check${checks > 1 ? 's' : ''}, policy ${policy}`}`,
  );
  return out;
}

/** What BIRD would be given, for every service in each state at once. */
async function birdPreview(speaker: BirdSpeakerConfig, services: readonly Service[]) {
  const { birdFiles } = await import('../bird/config-file.js');
  const { DesiredRoutes } = await import('../speakers/route-set.js');
  const how =
    speaker.reconfigure === null ? `configure on ${speaker.socket}` : `'${speaker.reconfigure}'`;
  const out = [`# speaker bird (${speaker.layout}): each change rewrites the file(s), then ${how}`];
  for (const state of STATES) {
    const desired = new DesiredRoutes();
    for (const service of services) desired.set(service, state);
    for (const file of birdFiles(speaker, desired.list())) {
      out.push(`# ${state}: ${file.path}`, file.text.trimEnd());
    }
  }
  return out;
}

/** What FRR would be told through vtysh, from a running config with nothing of ours, in each state. */
async function frrPreview(speaker: FrrSpeakerConfig, services: readonly Service[]) {
  const { frrPlan, frrRoutes, parseRunningConfig } = await import('../frr/commands.js');
  const { DesiredRoutes } = await import('../speakers/route-set.js');
  // Without `asn`, the ASN is read from FRR's running config when the process runs.
  const asn = speaker.asn ?? 0;
  const running = parseRunningConfig(`router bgp ${asn}\n`, speaker);
  const out = [
    `# speaker frr: each change runs '${speaker.vtysh.join(' ')} -c' with the difference from 'show running-config'`,
  ];
  for (const state of STATES) {
    const desired = new DesiredRoutes();
    for (const service of services) desired.set(service, state);
    const plan = frrPlan({ ...speaker, asn }, running, frrRoutes(speaker, desired.list()));
    out.push(`# ${state}`);
    for (const line of plan.commands)
      out.push(line === 'router bgp 0' && speaker.asn === null ? 'router bgp ASN' : line);
  }
  return out;
}

/** What the gobgp CLI would be told, for every service in each state at once, GoBGP holding nothing. */
async function gobgpPreview(speaker: GobgpSpeakerConfig, services: readonly Service[]) {
  const { stateCommands } = await import('../gobgp/commands.js');
  const { gobgpArgv } = await import('../gobgp/speaker.js');
  const { DesiredRoutes } = await import('../speakers/route-set.js');
  const out = [
    `# speaker gobgp: each change and every ${speaker.resyncMs / 1000} s, 'global rib -a FAMILY -j' is compared with the routes and the difference added or deleted`,
  ];
  for (const state of STATES) {
    const desired = new DesiredRoutes();
    for (const service of services) desired.set(service, state);
    out.push(`# ${state}`);
    for (const args of stateCommands(desired.list(), desired.managed()))
      out.push(gobgpArgv(speaker, args).join(' '));
  }
  return out;
}

export async function checkConfigCommand(args: string[], io: CliIo): Promise<number> {
  if (asksForHelp(args)) {
    io.stdout(HELP);
    return EXIT_VALID;
  }
  const parsed = parseArgs(args);
  if (!parsed) {
    io.stderr(USAGE);
    return EXIT_INVALID;
  }
  const loaded = await loadConfigFile(parsed.file, io);
  if (!loaded.ok) {
    for (const issue of loaded.issues)
      io.stderr(`${formatIssue({ ...issue, file: issue.file ?? parsed.file })}\n`);
    io.stderr(
      `${parsed.file}: invalid (${loaded.issues.length} problem${loaded.issues.length > 1 ? 's' : ''})\n`,
    );
    return EXIT_INVALID;
  }
  // Loaded on demand: the process entry point is heavy and only its prefix rules are needed here.
  const { finalPrefixes } = await import('./run-healthcheck.js');
  const lines: string[] = [];
  const issues: ConfigIssue[] = [];
  const speaker = loaded.speaker ?? EXABGP_SPEAKER;
  const ready: Service[] = [];
  for (const service of loaded.services) {
    lines.push(...describeService(service));
    if (service.routes.prefixes.length === 0) {
      const label = service.addresses.label;
      lines.push(
        `# no prefix configured: the addresses on lo${label === null ? '' : ` labelled ${service.addresses.labelExactMatch ? '' : 'starting with '}'${label}'`} are discovered at start, so the lines depend on them`,
      );
      continue;
    }
    let prefixes;
    try {
      prefixes = finalPrefixes(service, service.routes.prefixes);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues.push(
        ...error.issues.map((i) => ({ ...i, path: `service '${service.name}': ${i.path}` })),
      );
      continue;
    }
    const policy = { ...service.routes, prefixes };
    ready.push({ ...service, routes: policy });
    if (speaker.type !== 'exabgp') continue;
    for (const state of STATES) {
      lines.push(`# ${state}`);
      for (const command of announcementsFor(policy, state))
        lines.push(encodeExabgpText(command, parsed.form));
    }
  }
  if (issues.length > 0) {
    for (const issue of issues)
      io.stderr(`${formatIssue({ ...issue, file: issue.file ?? parsed.file })}\n`);
    return EXIT_INVALID;
  }
  if (speaker.type === 'bird') lines.push(...(await birdPreview(speaker, ready)));
  if (speaker.type === 'frr') lines.push(...(await frrPreview(speaker, ready)));
  if (speaker.type === 'gobgp') lines.push(...(await gobgpPreview(speaker, ready)));
  for (const warning of loaded.warnings) io.stderr(`warning: ${formatIssue(warning)}\n`);
  const count = loaded.services.length;
  lines.unshift(`# ${parsed.file}: valid, ${count} service${count > 1 ? 's' : ''}`);
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_VALID;
}
