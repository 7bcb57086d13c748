// The tcp probe: a connection that opens, optionally answering what it is sent with an expected string.
import { connect } from 'node:net';
import type { Probe } from '../core/probe.js';
import type { TcpCheck } from '../core/service.js';
import {
  READ_LIMIT,
  quoteSample,
  withDeadline,
  type Cancellation,
  type Outcome,
} from './deadline.js';

/**
 * Healthy when a connection to `host:port` opens and, with `expect`, the peer's bytes (at most
 * 64 KiB read) contain it after `send` was written. Without `expect`, healthy once `send` is flushed.
 */
export function tcpProbe(spec: TcpCheck, timeoutMs: number): Probe {
  return (signal) => withDeadline(signal, timeoutMs, (inner) => run(spec, inner));
}

function run(spec: TcpCheck, signal: Cancellation): Promise<Outcome> {
  return new Promise((resolve) => {
    const expected = spec.expect === undefined ? undefined : Buffer.from(spec.expect);
    const socket = connect({ host: spec.host, port: spec.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const sample = (): string => `received: ${quoteSample(received.toString('utf8'))}`;
    const onAbort = (): void => finish({ ok: false, reason: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });

    socket.on('connect', () => {
      if (spec.send !== undefined && spec.send !== '') {
        socket.write(spec.send, (error) => {
          if (error) finish({ ok: false, reason: `send failed: ${error.message}` });
          else if (expected === undefined) finish({ ok: true });
        });
      } else if (expected === undefined) {
        finish({ ok: true });
      }
    });
    socket.on('data', (chunk: Buffer) => {
      if (expected === undefined) return;
      const room = READ_LIMIT - received.length;
      received = Buffer.concat([received, chunk.length > room ? chunk.subarray(0, room) : chunk]);
      // Searching the whole buffer finds a match split across chunks.
      if (received.includes(expected)) finish({ ok: true });
      else if (received.length >= READ_LIMIT) {
        finish({
          ok: false,
          reason: `'${spec.expect}' not in the first ${READ_LIMIT / 1024} KiB received`,
          detail: sample(),
        });
      }
    });
    socket.on('end', () => {
      if (expected === undefined) finish({ ok: false, reason: 'connection closed by the peer' });
      else {
        finish({
          ok: false,
          reason: `connection closed before '${spec.expect}' was received`,
          detail: sample(),
        });
      }
    });
    socket.on('error', (error) => {
      finish({
        ok: false,
        reason: error.message,
        ...(received.length > 0 ? { detail: sample() } : {}),
      });
    });
    socket.on('close', () => finish({ ok: false, reason: 'connection closed' }));
  });
}
