// The check command probe: a shell command that must exit 0 within its timeout.
import type { Probe, ProbeResult } from '../core/probe.js';
import { formatSeconds, outputTail, runShell, succeeded, type RunResult } from '../host/process.js';

/** Runs `command` through `/bin/sh -c`; healthy means exit status 0 within `timeoutMs` (0 = no limit). */
export function commandProbe(command: string, timeoutMs: number): Probe {
  return async (signal) => toProbeResult(await runShell(command, { timeoutMs, signal }));
}

function toProbeResult(run: RunResult): ProbeResult {
  const latencyMs = run.durationMs;
  if (succeeded(run)) {
    return { ok: true, latencyMs };
  }
  const detail = outputTail(run.output);
  const failure = { ok: false as const, latencyMs, reason: failureReason(run) };
  return detail === '' ? failure : { ...failure, detail };
}

function failureReason(run: RunResult): string {
  if (run.error !== undefined) return `could not start: ${run.error}`;
  if (run.timedOut) return `timeout after ${formatSeconds(run.timeoutMs)}`;
  if (run.aborted) return 'aborted';
  if (run.signal !== null) return `killed by ${run.signal}`;
  return `exit status ${run.exitCode ?? 'unknown'}`;
}
