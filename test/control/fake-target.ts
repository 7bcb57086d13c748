// A ControlTarget backed by plain data, recording what it was asked, for control socket tests.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceState } from '../../src/core/route-target.js';
import type {
  ControlResult,
  ControlTarget,
  ProcessStatus,
  ServiceStatus,
} from '../../src/runtime/control.js';
import type { CheckReport } from '../../src/runtime/observer.js';

export function serviceStatus(
  name: string,
  state: ServiceState,
  extra: Partial<ServiceStatus> = {},
): ServiceStatus {
  return {
    name,
    state,
    since: 1_700_000_000_000,
    lastCheck:
      state === 'UP'
        ? { ok: true, reason: 'ok', durationMs: 12, checks: [], at: 1_700_000_000_000 }
        : { ok: false, reason: 'HTTP 503', durationMs: 30, checks: [], at: 1_700_000_000_000 },
    announced: null,
    maintenance: null,
    transitions: [],
    ...extra,
  };
}

export class FakeTarget implements ControlTarget {
  readonly calls: string[] = [];
  services: ServiceStatus[];
  /** Resolved by the test to let a pending drain finish. */
  drainGate: Promise<void> = Promise.resolve();
  checkReport: CheckReport = {
    ok: false,
    // Worded as the `all` policy words it.
    reason: 'http: HTTP 503',
    durationMs: 41,
    checks: [
      { name: 'http', result: { ok: false, latencyMs: 40, reason: 'HTTP 503' } },
      { name: 'tcp', result: { ok: true, latencyMs: 1 } },
    ],
  };

  constructor(
    services: ServiceStatus[] = [serviceStatus('web', 'UP'), serviceStatus('dns', 'UP')],
  ) {
    this.services = services;
  }

  private unknown(service: string): { ok: false; error: string } | null {
    if (this.services.some((s) => s.name === service)) return null;
    return {
      ok: false,
      error: `unknown service '${service}' (known: ${this.services.map((s) => s.name).join(', ')})`,
    };
  }

  private update(service: string, change: Partial<ServiceStatus>): void {
    this.services = this.services.map((s) => (s.name === service ? { ...s, ...change } : s));
  }

  status(): ProcessStatus {
    this.calls.push('status');
    return {
      pid: 4242,
      version: '0.1.0-test',
      startedAt: 1_699_999_000_000,
      services: this.services,
    };
  }

  disable(service: string, reason: string, by: string): ControlResult {
    this.calls.push(`disable ${service} ${reason} ${by}`);
    const error = this.unknown(service);
    if (error) return error;
    this.update(service, { state: 'DISABLED', maintenance: { by, reason, since: Date.now() } });
    return { ok: true, value: undefined };
  }

  enable(service: string): ControlResult {
    this.calls.push(`enable ${service}`);
    const error = this.unknown(service);
    if (error) return error;
    this.update(service, { state: 'INIT', maintenance: null });
    return { ok: true, value: undefined };
  }

  async drain(service: string): Promise<ControlResult> {
    this.calls.push(`drain ${service}`);
    const error = this.unknown(service);
    if (error) return error;
    await this.drainGate;
    this.update(service, { state: 'DRAINED' });
    return { ok: true, value: undefined };
  }

  checkNow(service: string): Promise<ControlResult<CheckReport>> {
    this.calls.push(`check ${service}`);
    const error = this.unknown(service);
    if (error) return Promise.resolve(error);
    return Promise.resolve({ ok: true, value: this.checkReport });
  }

  reload(): Promise<ControlResult<{ readonly summary: string }>> {
    this.calls.push('reload');
    return Promise.resolve({ ok: true, value: { summary: '1 added, 0 removed, 1 changed' } });
  }
}

/** A fresh directory for sockets and state files; short, since unix socket paths are limited. */
export function tempDir(tag: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `ctl-${tag}-${process.pid}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `condition` until it holds or the deadline passes. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
