// The healthcheck process: options in, services prepared (addresses, privileges), loops run until a stop.
import { existsSync, fstatSync, readFileSync, writeFileSync } from 'node:fs';
import { deaggregate, prefixSize, type IpPrefix } from '../core/ip.js';
import type { Logger } from '../core/logger.js';
import type { Service } from '../core/service.js';
import { MAX_DEAGGREGATED } from '../config/defaults.js';
import { ConfigError, formatIssue, type ConfigIssue } from '../config/errors.js';
import { parseHealthcheckArgs, type HealthcheckOptions } from '../config/healthcheck-args.js';
import { ExabgpApi } from '../exabgp/api.js';
import { createAddressManager, NoIpFoundError } from '../host/addresses.js';
import { runHooks } from '../host/hooks.js';
import { dropPrivileges, resolveIds, UnknownUserError } from '../host/privileges.js';
import { createLogger } from '../observe/log.js';
import { makeServiceCheck } from '../runtime/checks.js';
import { realClock } from '../runtime/clock.js';
import { Runtime, type ReadyService } from '../runtime/runtime.js';
import { helpText } from './help.js';
import { loadServicesFile } from './services-file.js';

const MAX_UINT32 = 0xffffffff;
const ORPHAN_POLL_MS = 1000;

/** Exit statuses: 0 done, 1 runtime failure (as the reference's "No IP found"), 2 bad input. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function printIssues(issues: readonly ConfigIssue[]): void {
  for (const issue of issues) process.stderr.write(`bgp-healthcheck: error: ${formatIssue(issue)}\n`);
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
    const shift = ((service.addresses.startIp % prefixes.length) + prefixes.length) % prefixes.length;
    prefixes = [...prefixes.slice(shift), ...prefixes.slice(0, shift)];
  }
  const { metrics, increase } = service.routes;
  for (const [state, first] of Object.entries(metrics)) {
    const last = first + (prefixes.length - 1) * increase;
    if (last < 0 || last > MAX_UINT32) {
      throw new ConfigError([
        {
          path: `--${state.toLowerCase()}-metric`,
          message: `with --increase ${increase} over ${prefixes.length} prefixes the metric reaches ${last}, outside 0 to ${MAX_UINT32}`,
        },
      ]);
    }
  }
  return prefixes;
}

async function prepare(
  services: readonly Service[],
  log: Logger,
): Promise<ReadyService[]> {
  const ready: ReadyService[] = [];
  for (const service of services) {
    const addresses = createAddressManager(service.addresses, { log });
    const resolved = await addresses.resolve(service.routes.prefixes);
    if (service.addresses.setup) await addresses.setup(resolved);
    ready.push({ service: { ...service, routes: { ...service.routes, prefixes: resolved } }, addresses });
  }
  return ready;
}

export async function runHealthcheck(argv: readonly string[]): Promise<number> {
  let options: HealthcheckOptions;
  let services: Service[];
  try {
    options = parseHealthcheckArgs(argv, (path) => readFileSync(path, 'utf8'));
    if (options.help) {
      process.stdout.write(helpText());
      return EXIT_OK;
    }
    services = options.servicesFile
      ? await loadServicesFile(options.servicesFile)
      : [options.service];
  } catch (error) {
    if (error instanceof ConfigError) {
      printIssues(error.issues);
      return EXIT_USAGE;
    }
    throw error;
  }

  let ids;
  try {
    ids = await resolveIds(options.user, options.group);
  } catch (error) {
    if (error instanceof UnknownUserError) {
      printIssues([{ path: options.user && error.message.includes(options.user) ? '--user' : '--group', message: error.message }]);
      return EXIT_USAGE;
    }
    throw error;
  }

  const log = createLogger({ ...options.logging, console: process.stderr });
  if (options.pidFile) {
    try {
      writeFileSync(options.pidFile, `${process.pid}\n`);
    } catch (error) {
      printIssues([{ path: '--pid', message: `cannot write '${options.pidFile}': ${(error as Error).message}` }]);
      return EXIT_USAGE;
    }
  }

  let ready: ReadyService[];
  try {
    ready = await prepare(services, log);
    dropPrivileges(ids);
    ready = ready.map((r) => ({
      ...r,
      service: {
        ...r.service,
        routes: { ...r.service.routes, prefixes: finalPrefixes(r.service, r.service.routes.prefixes) },
      },
    }));
  } catch (error) {
    if (error instanceof NoIpFoundError) {
      log.error('No IP found');
      process.stderr.write('bgp-healthcheck: No IP found\n');
      return EXIT_FAILURE;
    }
    if (error instanceof ConfigError) {
      printIssues(error.issues);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    log.error(`cannot start: ${message}`);
    process.stderr.write(`bgp-healthcheck: cannot start: ${message}\n`);
    return EXIT_FAILURE;
  }

  const channel = stdinIsChannel();
  const acks = !options.noAck && !process.stdout.isTTY && channel;
  const api = new ExabgpApi({
    output: process.stdout,
    input: channel ? process.stdin : null,
    acks,
    ackTimeoutMs: options.ackTimeout * 1000,
    log,
  });
  const runtime = new Runtime(ready, {
    api,
    apiForm: options.apiForm,
    clock: realClock,
    log,
    makeCheck: (service) => makeServiceCheck(service),
    isDisabled: (service) =>
      Promise.resolve(service.disableFile !== null && existsSync(service.disableFile)),
    runHooks: (service, commands, state, signal) =>
      runHooks(commands, state, service.timing.timeout * 1000, log, signal),
    shutdownAckTimeoutMs: Math.min(options.ackTimeout * 1000, 2000),
  });

  const onSignal = (name: string) => {
    log.info(`received ${name}`);
    void runtime.stop('signal');
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  void api.gone.then(() => {
    log.info('ExaBGP closed our input: exiting');
    void runtime.stop('gone');
  });
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.ppid !== parent) {
      log.info('our parent process is gone: exiting');
      void runtime.stop('gone');
    }
  }, ORPHAN_POLL_MS);
  orphanWatch.unref();

  await runtime.run();
  clearInterval(orphanWatch);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  log.close();
  return EXIT_OK;
}
