// The ExaBGP API over in-memory streams: order, acks, bounds on waiting, EOF, aborts, no interleaving,
// no send held behind another's acks.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { ExabgpApi, type ApiOptions } from '../../src/exabgp/api.js';
import { flush } from '../support/manual-clock.js';

function harness(options: Partial<ApiOptions> = {}) {
  const output = new PassThrough();
  const input = new PassThrough();
  let written = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => (written += chunk));
  const logs: { level: keyof Logger; message: string }[] = [];
  const log: Logger = {
    debug: (message) => logs.push({ level: 'debug', message }),
    info: (message) => logs.push({ level: 'info', message }),
    warn: (message) => logs.push({ level: 'warn', message }),
    error: (message) => logs.push({ level: 'error', message }),
  };
  const acks: string[] = [];
  const api = new ExabgpApi({
    output,
    input,
    acks: true,
    ackTimeoutMs: 10_000,
    log,
    onAck: (answer) => acks.push(answer),
    ...options,
  });
  return {
    api,
    input,
    output,
    logs,
    acks,
    lines: () => written.split('\n').filter((l) => l !== ''),
    written: () => written,
    ack: async (answer = 'done') => {
      input.write(`${answer}\n`);
      await flush();
    },
  };
}

/** Tracks whether a promise has settled, without waiting for it. */
function track<T>(promise: Promise<T>) {
  const state: { done: boolean; value?: T } = { done: false };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

describe('ExabgpApi', () => {
  it('writes the lines in order at once and resolves when ExaBGP acknowledged them all', async () => {
    const h = harness();
    const sent = track(h.api.send(['announce a', 'announce b']));
    await flush();
    expect(h.lines()).toEqual(['announce a', 'announce b']);
    await h.ack();
    expect(sent.done).toBe(false);
    await h.ack();
    expect(sent).toEqual({ done: true, value: 2 });
    expect(h.acks).toEqual(['done', 'done']);
  });

  it('writes every line without waiting when acks are off', async () => {
    const h = harness({ acks: false, input: null });
    expect(await h.api.send(['a', 'b', 'c'])).toBe(3);
    await flush();
    expect(h.written()).toBe('a\nb\nc\n');
    expect(h.acks).toEqual([]);
  });

  it('writes the lines of every send made in one turn together, in order, in one write', async () => {
    const h = harness({ acks: false, input: null });
    const writes: string[] = [];
    const write = h.output.write.bind(h.output);
    h.output.write = ((chunk: string, callback?: () => void) => {
      writes.push(chunk);
      return write(chunk, callback);
    }) as typeof h.output.write;
    const sends = [h.api.send(['a1', 'a2']), h.api.send(['b1']), h.api.send(['c1'])];
    expect(await Promise.all(sends)).toEqual([2, 1, 1]);
    expect(writes).toEqual(['a1\na2\nb1\nc1\n']);
    expect(await h.api.send(['d1'])).toBe(1);
    await h.api.idle();
    expect(writes).toEqual(['a1\na2\nb1\nc1\n', 'd1\n']);
  });

  it('bounds the wait for an ack that never comes, logs it, and discards the late ack', async () => {
    const h = harness({ ackTimeoutMs: 50 });
    // Not taken: the caller sends it again.
    expect(await h.api.send(['announce a'])).toBe(0);
    expect(h.acks).toEqual(['timeout']);
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'no answer from ExaBGP within 0.05 s for: announce a',
    ]);
    await h.ack(); // the late ack for `announce a`
    const next = track(h.api.send(['announce b'], undefined, 10_000));
    await flush();
    expect(h.lines()).toEqual(['announce a', 'announce b']);
    expect(next.done).toBe(false);
    await h.ack();
    expect(next).toEqual({ done: true, value: 1 });
    expect(h.acks).toEqual(['timeout', 'done']);
  });

  it('discards a late ack that arrives while the next line waits', async () => {
    const h = harness({ ackTimeoutMs: 50 });
    await h.api.send(['announce a']);
    const next = track(h.api.send(['announce b'], undefined, 10_000));
    await flush();
    await h.ack(); // owed to `announce a`
    expect(next.done).toBe(false);
    await h.ack();
    expect(next.done).toBe(true);
  });

  it("logs an 'error' answer, goes on with the next line, and counts only the line taken", async () => {
    const h = harness();
    const sent = track(h.api.send(['announce bad', 'announce good']));
    await flush();
    await h.ack('error');
    expect(h.logs).toContainEqual({
      level: 'warn',
      message: "ExaBGP answered 'error' to: announce bad",
    });
    await h.ack('done');
    expect(sent).toEqual({ done: true, value: 1 });
    expect(h.acks).toEqual(['error', 'done']);
  });

  it('ignores input that is not an ack', async () => {
    const h = harness();
    const sent = track(h.api.send(['announce a']));
    await flush();
    await h.ack('neighbor 192.0.2.1 up');
    expect(sent.done).toBe(false);
    await h.ack(' done ');
    expect(sent.done).toBe(true);
  });

  it('reads acks split across chunks and several in one chunk', async () => {
    const h = harness();
    const sent = track(h.api.send(['a', 'b', 'c']));
    await flush();
    h.input.write('do');
    await flush();
    expect(sent.done).toBe(false);
    h.input.write('ne\n');
    await flush();
    expect(sent.done).toBe(false);
    h.input.write('done\ndone\n');
    await flush();
    expect(sent).toEqual({ done: true, value: 3 });
  });

  it('resolves gone on input EOF and unblocks a send waiting for an ack', async () => {
    const h = harness();
    const gone = track(h.api.gone);
    const sent = track(h.api.send(['announce a', 'announce b']));
    await flush();
    expect(gone.done).toBe(false);
    h.input.end();
    await flush();
    expect(gone.done).toBe(true);
    expect(h.api.closed).toBe(true);
    expect(sent).toEqual({ done: true, value: 0 });
    expect(await h.api.send(['announce c'])).toBe(0);
    expect(h.lines()).toEqual(['announce a', 'announce b']);
  });

  it('stops waiting when aborted during its ack wait, and discards the acks it owed later', async () => {
    const h = harness();
    const controller = new AbortController();
    const sent = track(h.api.send(['announce a', 'announce b'], controller.signal));
    await flush();
    await h.ack(); // `announce a`
    controller.abort();
    await flush();
    expect(sent).toEqual({ done: true, value: 1 });
    const exit = track(h.api.send(['withdraw a']));
    await flush();
    expect(h.lines()).toEqual(['announce a', 'announce b', 'withdraw a']);
    await h.ack(); // owed to `announce b`
    expect(exit.done).toBe(false);
    await h.ack();
    expect(exit).toEqual({ done: true, value: 1 });
  });

  it('writes nothing for a send whose signal is already aborted', async () => {
    const h = harness();
    expect(await h.api.send(['announce a'], AbortSignal.abort())).toBe(0);
    expect(h.written()).toBe('');
  });

  it("does not hold one service's change behind the acks of the others' lines", async () => {
    // A hundred services refresh; ExaBGP is slow to answer (each ack comes a while after its line).
    // The change sent last is on ExaBGP's input at once, not after a hundred round trips.
    const h = harness();
    const refreshes = Array.from({ length: 100 }, (_, s) => h.api.send([`announce s${s}`]));
    const change = track(h.api.send(['withdraw web']));
    await flush();
    expect(h.lines()).toHaveLength(101);
    expect(h.lines().at(-1)).toBe('withdraw web');
    for (let i = 0; i < 101; i++) await h.ack();
    expect(await Promise.all(refreshes)).toEqual(Array.from({ length: 100 }, () => 1));
    expect(change).toEqual({ done: true, value: 1 });
  });

  it('never interleaves the lines of concurrent sends', async () => {
    const h = harness();
    const first = track(h.api.send(['a1', 'a2']));
    const second = track(h.api.send(['b1', 'b2']));
    const idle = track(h.api.idle());
    for (let i = 0; i < 4; i++) {
      await flush();
      await h.ack();
    }
    expect(h.lines()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(first).toEqual({ done: true, value: 2 });
    expect(second).toEqual({ done: true, value: 2 });
    expect(idle.done).toBe(true);
  });

  it('writes each line whole and in call order, and matches acks to sends in order, under many concurrent sends', async () => {
    const h = harness();
    const sends = Array.from({ length: 5 }, (_, s) =>
      track(h.api.send([`s${s}l0`, `s${s}l1`, `s${s}l2`])),
    );
    await flush();
    for (let i = 0; i < 15; i++) {
      // The send whose last line this ack answers is done, and no later one.
      expect(sends.map((sent) => sent.done)).toEqual(sends.map((_, s) => 3 * s + 3 <= i));
      await h.ack();
    }
    expect(sends.map((sent) => sent.value)).toEqual([3, 3, 3, 3, 3]);
    expect(h.lines()).toEqual(
      Array.from({ length: 15 }, (_, i) => `s${Math.floor(i / 3)}l${i % 3}`),
    );
  });

  it('writes every line of sendAll at once, before any ack, and resolves with the acks counted', async () => {
    const h = harness();
    const all = track(h.api.sendAll(['withdraw a', 'withdraw b', 'withdraw c'], 10_000));
    await flush();
    expect(h.lines()).toEqual(['withdraw a', 'withdraw b', 'withdraw c']);
    await h.ack();
    await h.ack('error');
    expect(all.done).toBe(false);
    await h.ack();
    expect(all).toEqual({ done: true, value: 2 });
    expect(h.acks).toEqual(['done', 'error', 'done']);
  });

  it('waits one deadline for all the acks of sendAll, then discards the late ones', async () => {
    const h = harness();
    expect(await h.api.sendAll(['withdraw a', 'withdraw b'], 50)).toBe(0);
    expect(h.acks).toEqual(['timeout', 'timeout']);
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'no answer from ExaBGP within 0.05 s for 2 of 2 lines',
    ]);
    const next = track(h.api.send(['announce c'], undefined, 10_000));
    await flush();
    await h.ack(); // late, for withdraw a
    await h.ack(); // late, for withdraw b
    expect(next.done).toBe(false);
    await h.ack();
    expect(next).toEqual({ done: true, value: 1 });
  });

  it('writes nothing for an empty sendAll, and warns of nothing when every ack came', async () => {
    const h = harness();
    expect(await h.api.sendAll([], 10_000)).toBe(0);
    expect(h.written()).toBe('');
    const all = track(h.api.sendAll(['withdraw a'], 10_000));
    await flush();
    await h.ack();
    expect(all).toEqual({ done: true, value: 1 });
    expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);
    expect(h.api.isShuttingDown).toBe(false);
  });

  it('ends the wait of sendAll when ExaBGP goes away, counting no ack and warning of nothing', async () => {
    const h = harness();
    const all = track(h.api.sendAll(['withdraw a', 'withdraw b'], 10_000));
    await flush();
    h.input.end();
    await flush();
    expect(all).toEqual({ done: true, value: 0 });
    expect(h.acks).toEqual([]);
    expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('writes sendAll after input EOF while the output works, waiting for no ack', async () => {
    const h = harness();
    h.input.end();
    await flush();
    expect(h.api.closed).toBe(true);
    expect(h.api.writable).toBe(true);
    expect(await h.api.sendAll(['withdraw a'], 10_000)).toBe(1);
    expect(h.lines()).toEqual(['withdraw a']);
  });

  it('writes sendAll after the lines batched before it, without acks', async () => {
    const h = harness({ acks: false });
    void h.api.send(['announce a']);
    expect(await h.api.sendAll(['withdraw a'], 10_000)).toBe(1);
    expect(h.lines()).toEqual(['announce a', 'withdraw a']);
  });

  it('knows ExaBGP is leaving from its shutdown message, in text or JSON, and not from other input', async () => {
    for (const message of [
      'shutdown 4242 1',
      'shutdown',
      '{"type":"notification","notification":"shutdown"}',
      '{ "type": "notification", "notification" : "shutdown" }',
    ]) {
      const h = harness();
      const leaving = track(h.api.leaving);
      await h.ack('shutdowns are fine');
      await h.ack('neighbor 192.0.2.1 shutdown 1');
      await h.ack('{"type": "state", "neighbor": {"state": "down"}}');
      expect(leaving.done).toBe(false);
      await h.ack(message);
      expect(leaving.done).toBe(true);
      expect(h.api.isShuttingDown).toBe(true);
      expect(h.api.closed).toBe(false);
    }
  });

  it('treats a broken output as ExaBGP gone', async () => {
    const h = harness();
    const gone = track(h.api.gone);
    h.output.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await flush();
    expect(gone.done).toBe(true);
    expect(h.logs.some((l) => l.level === 'error' && l.message.includes('EPIPE'))).toBe(true);
    expect(h.api.outputError).toBe('EPIPE');
    expect(h.api.writable).toBe(false);
    expect(h.api.isShuttingDown).toBe(true);
    expect(await h.api.sendAll(['withdraw a'], 10_000)).toBe(0);
  });
});
