// Runs every service's loop, and stops them in the right order: withdraw, then remove addresses, then exit.
import { announcementsFor, type AnnounceTarget } from '../core/announcer.js';
import { encodeExabgpText, type ApiForm } from '../core/encoder.js';
import type { AnnouncedState, HealthState } from '../core/health.js';
import type { IpPrefix } from '../core/ip.js';
import type { Logger } from '../core/logger.js';
import type { Service } from '../core/service.js';
import type { ExabgpApi } from '../exabgp/api.js';
import type { AddressManager } from '../host/addresses.js';
import type { Clock } from './clock.js';
import type { CheckReport, RuntimeObserver } from './observer.js';
import { ServiceRunner, type RunEnd } from './service-runner.js';

/** A service ready to run: its prefixes are final (discovered, deaggregated, rotated). */
export interface ReadyService {
  readonly service: Service;
  readonly addresses: AddressManager;
}

export interface RuntimeDeps {
  readonly api: ExabgpApi;
  readonly apiForm: ApiForm;
  readonly clock: Clock;
  readonly log: Logger;
  readonly makeCheck: (service: Service) => (signal: AbortSignal) => Promise<CheckReport>;
  readonly isDisabled: (service: Service) => Promise<boolean>;
  readonly runHooks: (
    service: Service,
    commands: readonly string[],
    state: HealthState,
    signal: AbortSignal,
  ) => Promise<void>;
  readonly observer?: RuntimeObserver;
  /** How long each withdrawal's ack is waited for at shutdown. */
  readonly shutdownAckTimeoutMs?: number;
}

/** Why the runtime stopped: a signal (withdraw), ExaBGP gone (nothing to write to), or every loop ended. */
export type StopReason = 'signal' | 'gone' | 'end';

export class Runtime {
  private readonly controller = new AbortController();
  private readonly runners: ServiceRunner[];
  private stopping: Promise<void> | null = null;
  private stopReason: StopReason | null = null;

  constructor(
    private readonly services: readonly ReadyService[],
    private readonly deps: RuntimeDeps,
  ) {
    this.runners = services.map((ready) => this.makeRunner(ready));
  }

  get serviceRunners(): readonly ServiceRunner[] {
    return this.runners;
  }

  private makeRunner({ service, addresses }: ReadyService): ServiceRunner {
    const { deps } = this;
    return new ServiceRunner(service, {
      clock: deps.clock,
      check: deps.makeCheck(service),
      isDisabled: () => deps.isDisabled(service),
      runHooks: (commands, state) =>
        deps.runHooks(service, commands, state, this.controller.signal),
      announce: (state, signal) => this.announce(service, addresses, state, signal),
      log: deps.log,
      observer: deps.observer,
    });
  }

  linesFor(service: Service, target: AnnounceTarget): string[] {
    return announcementsFor(service.routes, target).map((c) => encodeExabgpText(c, this.deps.apiForm));
  }

  private async announce(
    service: Service,
    addresses: AddressManager,
    state: AnnouncedState,
    signal: AbortSignal,
  ): Promise<void> {
    const { prefixes } = service.routes;
    if (this.stopping || signal.aborted) return;
    if (state === 'UP' && service.addresses.dynamic) {
      this.deps.log.info(`${service.name}: service up, restoring addresses`);
      await addresses.setup(prefixes);
    }
    const lines = this.linesFor(service, state);
    this.deps.log.debug(`${service.name}: send announces for ${state} state to ExaBGP`);
    await this.deps.api.send(lines, signal);
    this.deps.observer?.announced?.(service.name, state, lines);
    if ((state === 'DOWN' || state === 'DISABLED') && service.addresses.dynamic && !signal.aborted) {
      this.deps.log.info(`${service.name}: service down, deleting addresses`);
      await addresses.remove(prefixes);
    }
  }

  /** Runs until every loop ends (interval 0) or `stop` is called; resolves with the reason. */
  async run(): Promise<StopReason> {
    const ends = await Promise.all(
      this.runners.map((runner) =>
        runner.run(this.controller.signal).catch((error: unknown): RunEnd => {
          this.deps.log.error(
            `${runner.service.name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          void this.stop('signal');
          return 'stopped';
        }),
      ),
    );
    if (this.stopping) {
      await this.stopping;
      return this.stopReason ?? 'signal';
    }
    return ends.every((e) => e === 'end') ? 'end' : 'signal';
  }

  /**
   * Stops every loop once. On a signal, withdraws every prefix of every service (each exactly once,
   * after whatever line was being written) and then removes the addresses that were set up.
   */
  stop(reason: 'signal' | 'gone'): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopReason = reason;
    this.controller.abort();
    this.stopping = this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: 'signal' | 'gone'): Promise<void> {
    const { deps } = this;
    if (reason === 'signal') {
      deps.log.info('exiting: withdrawing every route');
      for (const { service } of this.services) {
        const lines = this.linesFor(service, 'EXIT');
        await deps.api.send(lines, undefined, deps.shutdownAckTimeoutMs);
        deps.observer?.announced?.(service.name, 'EXIT', lines);
      }
    }
    for (const { service, addresses } of this.services) {
      if (service.addresses.setup || service.addresses.dynamic) {
        deps.log.info(`${service.name}: exiting, deleting addresses`);
        await addresses.remove(service.routes.prefixes as IpPrefix[]);
      }
    }
  }
}
