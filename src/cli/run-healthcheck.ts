// The healthcheck process: options in, services prepared (addresses, privileges), loops run until a stop.
import { existsSync, fstatSync, writeFileSync } from 'node:fs';
import { deaggregate, prefixSize, type IpPrefix } from '../core/ip.js';
import type { ListenAddress } from '../core/listen-address.js';
import type { LogFormat, Logger } from '../core/logger.js';
import { medsOutOfRange } from '../core/route.js';
import type { Service } from '../core/service.js';
import { DEFAULT_MAX_CONCURRENT_CHECKS, MAX_DEAGGREGATED } from '../config/defaults.js';
import { optionWarnings } from '../config/warnings.js';
import { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.js';
import { parseHealthcheckArgs, type HealthcheckOptions } from '../config/healthcheck-args.js';
import { ExabgpApi } from '../exabgp/api.js';
import { ExabgpSpeaker } from '../exabgp/speaker.js';
import type { Speaker } from '../speakers/speaker.js';
import { EXABGP_SPEAKER, type SpeakerConfig } from '../core/speaker-config.js';
import { createAddressManager, NoIpFoundError, TooManyAddressesError } from '../host/addresses.js';
import { runHooks } from '../host/hooks.js';
import { dropPrivileges, resolveIds, UnknownUserError } from '../host/privileges.js';
import { createLogger, stderrIsJournal, type ProcessLogger } from '../observe/log.js';
import { DEFAULT_FAILURE_SUMMARY_SECONDS, LogEvents } from '../observe/log-events.js';
import { StatusStore, type StatusShape } from '../observe/status-store.js';
import type { ServiceShape } from '../observe/metrics.js';
import { checkName, checkTarget, createLimiter } from '../probes/index.js';
import { readRegularFile } from '../host/regular-file.js';
import { makeServiceCheck } from '../runtime/checks.js';
import { realClock } from '../runtime/clock.js';
import { composeObservers, type RuntimeObserver } from '../runtime/observer.js';
import { watchParent } from '../runtime/parent-watch.js';
import { Runtime, type ReadyService, type ReloadOutcome } from '../runtime/runtime.js';
import { helpText } from './help.js';
import { loadServicesFile } from './services-file.js';
import { VERSION } from './version.js';

const ORPHAN_POLL_MS = 1000;

/** A timer that does not keep the process alive by itself, as the orphan watch must not. */
function unrefAfter(ms: number, wake: () => void): () => void {
  const timer = setTimeout(wake, ms);
  timer.unref();
  return () => clearTimeout(timer);
}
/** Checks running at once across every service, so a thousand services do not open a thousand sockets together. */

/** Exit statuses: 0 done, 1 runtime failure (as the reference's "No IP found"), 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function printIssues(issues: readonly ConfigIssue[]): void {
  for (const issue of issues)
    process.stderr.write(`bgp-healthcheck: error: ${formatIssue(issue)}\n`);
}

/** Said once: logged (in the log's format), and on stderr too unless the log already goes there. */
function sayOnce(log: ProcessLogger, level: 'warn' | 'error', message: string): void {
  log[level](message);
  if (!log.writesToStderr())
    process.stderr.write(`bgp-healthcheck: ${level === 'warn' ? 'warning: ' : ''}${message}\n`);
}

/** Whether stdin is ExaBGP's pipe (a FIFO or socket), rather than a terminal or /dev/null. */
function stdinIsChannel(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/** The final prefix list: deaggregated when asked, then rotated left by --start-ip. */
export function finalPrefixes(service: Service, resolved: readonly IpPrefix[]): IpPrefix[] {
  let prefixes = [...resolved];
  if (service.addresses.deaggregate) {
    const total = prefixes.reduce((sum, p) => sum + prefixSize(p), 0n);
    if (total > BigInt(MAX_DEAGGREGATED)) {
      throw new ConfigError([
        {
          path: '--deaggregate-networks',
          message: `the networks hold ${total} addresses; at most ${MAX_DEAGGREGATED} can be announced one by one`,
        },
      ]);
    }
    prefixes = prefixes.flatMap(deaggregate);
  }
  if (prefixes.length > 0) {
    const shift =
      ((service.addresses.startIp % prefixes.length) + prefixes.length) % prefixes.length;
    prefixes = [...prefixes.slice(shift), ...prefixes.slice(0, shift)];
  }
  const outOfRange = medsOutOfRange(service.routes, prefixes.length);
  if (outOfRange.length > 0) {
    throw new ConfigError(
      outOfRange.map(({ state, message }) => ({
        path: `--${state.toLowerCase()}-metric`,
        message,
      })),
    );
  }
  return prefixes;
}

/** Discovers (or takes) the prefixes of a service, sets up its addresses, and fixes its final list. */
async function prepareService(service: Service, log: Logger): Promise<ReadyService> {
  const addresses = createAddressManager(service.addresses, { log });
  const resolved = await addresses.resolve(service.routes.prefixes);
  if (service.addresses.setup) await addresses.setup(resolved);
  const prefixes = finalPrefixes(service, resolved);
  return { service: { ...service, routes: { ...service.routes, prefixes } }, addresses };
}

/** What metrics and status know of a service from the start: checks, routes, timing. */
function serviceShape(service: Service): ServiceShape & StatusShape {
  const neighbors = service.routes.neighbors.map((n) => n.text);
  return {
    name: service.name,
    timing: service.timing,
    checks: service.checks.map((spec) => ({ name: checkName(spec), target: checkTarget(spec) })),
    routes: service.routes.prefixes.flatMap((p) =>
      (neighbors.length > 0 ? neighbors : ['*']).map((neighbor) => ({
        prefix: p.text,
        neighbor,
      })),
    ),
  };
}

interface LoadedConfig {
  readonly options: HealthcheckOptions;
  readonly services: Service[];
  readonly metricsListen: ListenAddress | null;
  readonly ctlSocket: string | null;
  readonly maxConcurrentChecks: number;
  readonly logFormat: LogFormat;
  /** Seconds between two summaries of a check failing the same way. */
  readonly logSummaryInterval: number;
  readonly speaker: SpeakerConfig;
  /** The services file's warnings; null for the command line, whose are known once prefixes are. */
  readonly warnings: readonly ConfigIssue[] | null;
}

/** Reads the command line and the file it names; throws ConfigError. */
async function loadConfig(
  argv: readonly string[],
  options = parseHealthcheckArgs(argv, readRegularFile),
): Promise<LoadedConfig> {
  if (!options.servicesFile) {
    return {
      options,
      services: [options.service],
      metricsListen: options.metricsListen,
      ctlSocket: options.ctlSocket,
      maxConcurrentChecks: DEFAULT_MAX_CONCURRENT_CHECKS,
      logFormat: options.logging.format ?? 'text',
      logSummaryInterval: options.logging.summaryInterval ?? DEFAULT_FAILURE_SUMMARY_SECONDS,
      speaker: EXABGP_SPEAKER,
      warnings: null,
    };
  }
  if (options.serviceOptionsGiven.length > 0) {
    throw new ConfigError(
      options.serviceOptionsGiven.map((option) => ({
        path: option,
        message: `describes a service; with --config ${options.servicesFile} set it in that file instead`,
      })),
    );
  }
  const file = await loadServicesFile(options.servicesFile);
  return {
    options,
    services: file.services,
    metricsListen: options.metricsListen ?? file.metrics?.listen ?? null,
    ctlSocket: options.ctlSocket ?? file.control?.socket ?? null,
    maxConcurrentChecks: file.maxConcurrentChecks ?? DEFAULT_MAX_CONCURRENT_CHECKS,
    logFormat: options.logging.format ?? file.log?.format ?? 'text',
    logSummaryInterval:
      options.logging.summaryInterval ??
      file.log?.summaryInterval ??
      DEFAULT_FAILURE_SUMMARY_SECONDS,
    speaker: file.speaker ?? EXABGP_SPEAKER,
    warnings: file.warnings,
  };
}

export async function runHealthcheck(argv: readonly string[]): Promise<number> {
  // Signals are ours from the first moment: one arriving during start-up is carried out once running.
  let runtime: Runtime | null = null;
  const early: string[] = [];
  let logSignal = (_name: string): void => {};
  const onSignal = (name: string) => {
    if (!runtime) return void early.push(name);
    logSignal(name);
    if (name === 'SIGHUP') void runtime.reload();
    else void runtime.stop('signal');
  };
  for (const name of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
    process.on(name, () => onSignal(name));
  let config: LoadedConfig;
  try {
    const options = parseHealthcheckArgs(argv, readRegularFile);
    if (options.help) {
      process.stdout.write(helpText());
      return EXIT_OK;
    }
    if (options.version) {
      process.stdout.write(`bgp-healthcheck ${VERSION}\n`);
      return EXIT_OK;
    }
    config = await loadConfig(argv, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      printIssues(error.issues);
      return EXIT_USAGE;
    }
    throw error;
  }
  const { options } = config;
  const instance = options.logging.name ?? 'healthcheck';

  let ids;
  try {
    ids = await resolveIds(options.user, options.group);
  } catch (error) {
    if (error instanceof UnknownUserError) {
      const path =
        options.user !== null && error.message.includes(options.user) ? '--user' : '--group';
      printIssues([{ path, message: error.message }]);
      return EXIT_USAGE;
    }
    throw error;
  }

  const log = createLogger({
    ...options.logging,
    format: config.logFormat,
    journal: stderrIsJournal(),
    console: process.stderr,
  });
  log.setServices(config.services.map((s) => s.name));
  logSignal = (name) =>
    log.info(`received ${name}${name === 'SIGHUP' ? ': reloading the configuration' : ''}`);
  if (options.pidFile) {
    try {
      writeFileSync(options.pidFile, `${process.pid}\n`);
    } catch (error) {
      printIssues([
        {
          path: '--pid',
          message: `cannot write '${options.pidFile}': ${(error as Error).message}`,
        },
      ]);
      return EXIT_USAGE;
    }
  }

  let ready: ReadyService[];
  try {
    ready = [];
    for (const service of config.services) ready.push(await prepareService(service, log));
    dropPrivileges(ids);
  } catch (error) {
    if (error instanceof NoIpFoundError) {
      sayOnce(log, 'error', 'No IP found');
      return EXIT_FAILURE;
    }
    if (error instanceof ConfigError) {
      printIssues(error.issues);
      return EXIT_USAGE;
    }
    if (error instanceof TooManyAddressesError) {
      printIssues([{ path: '--ip', message: error.message }]);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    sayOnce(log, 'error', `cannot start: ${message}`);
    return EXIT_FAILURE;
  }

  // Discovered prefixes count too: the next-hop's family is compared with what is announced.
  const warnings =
    config.warnings ?? ready.flatMap((r) => optionWarnings(r.service, options.serviceOptionsGiven));
  for (const warning of warnings) sayOnce(log, 'warn', formatIssue(warning));

  const shapes = ready.map((r) => serviceShape(r.service));
  const status = new StatusStore({ version: VERSION, services: shapes });
  // Loaded only when asked for: the metrics client and the control layer's schema cost memory.
  const metrics =
    config.metricsListen !== null
      ? new (await import('../observe/metrics.js')).Metrics({
          services: shapes,
          version: VERSION,
        })
      : null;
  const logEvents = new LogEvents(log, { summarySeconds: config.logSummaryInterval });
  const observers: RuntimeObserver[] = metrics ? [status, metrics, logEvents] : [status, logEvents];
  const controlled = config.ctlSocket !== null;
  const control = controlled ? await import('./control-parts.js') : null;
  const maintenance = control
    ? control.MaintenanceStore.load(
        options.maintenanceFile ?? control.defaultMaintenancePath(instance),
        log,
      )
    : null;
  for (const [name, m] of maintenance?.all() ?? []) {
    status.setMaintenance(name, m);
    metrics?.setMaintenance(name, true);
  }

  // ExaBGP reads our stdout; another speaker is reached its own way, and stdout carries nothing.
  let api: ExabgpApi | null = null;
  let speaker: Speaker;
  if (config.speaker.type === 'exabgp') {
    const channel = stdinIsChannel();
    api = new ExabgpApi({
      output: process.stdout,
      input: channel ? process.stdin : null,
      acks: !options.noAck && !process.stdout.isTTY && channel,
      ackTimeoutMs: options.ackTimeout * 1000,
      log,
      onAck: metrics ? (answer) => metrics.ackObserved(answer) : undefined,
    });
    speaker = new ExabgpSpeaker(api);
  } else if (config.speaker.type === 'gobgp') {
    const { createGobgpSpeaker } = await import('../gobgp/speaker.js');
    const { managedPrefixes } = await import('../speakers/route-set.js');
    const gobgp = createGobgpSpeaker(
      config.speaker,
      log,
      metrics ? (ok) => metrics.applyObserved(ok) : undefined,
      ready.flatMap(({ service }) => managedPrefixes(service.routes)),
    );
    // What a previous run left of our prefixes is deleted at once: no route before its checks.
    void gobgp.sync();
    speaker = gobgp;
  } else {
    const onApply = metrics ? (ok: boolean) => metrics.applyObserved(ok) : undefined;
    const routes =
      config.speaker.type === 'frr'
        ? (await import('../frr/speaker.js')).createFrrSpeaker(config.speaker, log, onApply)
        : (await import('../bird/speaker.js')).createBirdSpeaker(config.speaker, log, onApply);
    // What a previous run left in the speaker is replaced at once: no route before its checks.
    void routes.sync();
    speaker = routes;
  }
  const limiter = createLimiter(config.maxConcurrentChecks);
  const created: Runtime = new Runtime(ready, {
    speaker,
    apiForm: options.apiForm,
    clock: realClock,
    log,
    makeCheck: (service) => makeServiceCheck(service, limiter),
    // A group of services starting together stays well inside the concurrency limit.
    startGroupSize: Math.max(1, Math.floor(config.maxConcurrentChecks / 2)),
    disableFileExists: (service) => service.disableFile !== null && existsSync(service.disableFile),
    runHooks: (service, commands, state, signal) =>
      runHooks(commands, state, service.timing.timeout * 1000, log, signal),
    observer: composeObservers(...observers),
    maintenance: maintenance
      ? {
          get: (name) => maintenance.get(name),
          set: (name, m) => {
            maintenance.set(name, m);
            status.setMaintenance(name, m);
            metrics?.setMaintenance(name, m !== null);
          },
        }
      : undefined,
    status: () => status.snapshot(),
    reloadConfig: async (): Promise<ReloadOutcome> => {
      try {
        const { services } = await loadConfig(argv);
        metrics?.configLoaded(true);
        return { ok: true, services };
      } catch (error) {
        metrics?.configLoaded(false);
        if (error instanceof ConfigError)
          return { ok: false, errors: error.issues.map(formatIssue) };
        throw error;
      }
    },
    prepare: (service) => prepareService(service, log),
    defaultDrain: options.drainTime,
    shutdownAckTimeoutMs: Math.min(options.ackTimeout * 1000, 2000),
    onServicesChanged: (added, removed) => {
      const now = new Map(created.serviceRunners.map((r) => [r.service.name, r.service]));
      for (const name of added) {
        const service = now.get(name);
        status.addService(service ? serviceShape(service) : name);
        metrics?.addService(service ? serviceShape(service) : name);
      }
      for (const service of now.values()) status.describe(serviceShape(service));
      for (const name of removed) {
        status.removeService(name);
        metrics?.removeService(name);
        logEvents.removeService(name);
      }
      log.setServices(now.keys());
    },
  });

  const closers: (() => Promise<void>)[] = [];
  try {
    if (metrics && config.metricsListen !== null) {
      const { startObserveServer } = await import('../observe/http-server.js');
      const server = await startObserveServer({
        listen: config.metricsListen,
        metrics,
        status: () => status.snapshot(),
        log,
      });
      closers.push(() => server.close());
    }
    if (control && config.ctlSocket !== null) {
      const server = await control.startControlServer({
        path: config.ctlSocket === '' ? control.defaultControlPath(instance) : config.ctlSocket,
        target: created,
        log,
      });
      closers.push(() => server.close());
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    sayOnce(log, 'error', `cannot start: ${message}`);
    for (const close of closers) await close();
    return EXIT_FAILURE;
  }

  void api?.gone.then(() => {
    log.info(
      api?.outputError === null ? 'ExaBGP closed our input: exiting' : 'ExaBGP is gone: exiting',
    );
    void created.stop('gone');
  });
  const stopOrphanWatch = watchParent(
    () => {
      log.info('our parent process is gone: exiting');
      void created.stop('gone');
    },
    { clock: { after: unrefAfter }, everyMs: ORPHAN_POLL_MS },
  );

  const finished = created.run();
  runtime = created;
  for (const name of early) onSignal(name);
  await finished;
  stopOrphanWatch();
  for (const close of closers) await close();
  if (api?.writable)
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  const broken = api?.outputError ?? null;
  if (broken !== null) log.error(`exiting with status 1: could not write to ExaBGP (${broken})`);
  log.close();
  return broken === null ? EXIT_OK : EXIT_FAILURE;
}
