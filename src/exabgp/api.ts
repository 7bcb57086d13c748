// The ExaBGP process API: lines out on stdout, acks in on stdin, with a bound on every wait.
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../core/logger.js';

export interface ApiOptions {
  readonly output: Writable;
  /** ExaBGP's answers; null when nothing is read (no acks, and no way to notice ExaBGP leaving). */
  readonly input: Readable | null;
  /** Read one ack (`done` or `error`) after each line. */
  readonly acks: boolean;
  readonly ackTimeoutMs: number;
  readonly log: Logger;
  /** Told of every ack waited for: its answer, or `timeout`. */
  readonly onAck?: (answer: 'done' | 'error' | 'timeout') => void;
}

const MAX_INPUT_LINE = 64 * 1024;

type Waiter = (answer: 'done' | 'error') => void;

/**
 * ExaBGP's text encoder tells its processes `shutdown PID PPID` before it stops them; its JSON
 * encoder sends a notification of type shutdown.
 */
const SHUTDOWN_NOTICE = /^shutdown(\s|$)|"notification"\s*:\s*"shutdown"/;

/** One writer for every service: lines of concurrent sends never interleave with another's acks. */
export class ExabgpApi {
  /** Resolves when ExaBGP closes our stdin (or stdout breaks): ExaBGP is gone. */
  readonly gone: Promise<void>;
  /** Resolves when ExaBGP says it is shutting down, or is gone: it will route nothing more. */
  readonly leaving: Promise<void>;
  private markGone!: () => void;
  private markLeaving!: () => void;
  private isGone = false;
  private isLeaving = false;
  /** Why writing failed (EPIPE, ...), null while stdout works. */
  private writeError: string | null = null;
  private readonly waiters: Waiter[] = [];
  /** Acks still owed for lines whose wait ended early; they are discarded when they arrive. */
  private owed = 0;
  /** Every send not finished yet, for `idle`. */
  private queue: Promise<unknown> = Promise.resolve();
  private buffer = '';
  /** Without acks: lines sent since the last write, written together once this turn of the loop ends. */
  private batch = '';
  private flushed: Promise<void> | null = null;

  constructor(private readonly options: ApiOptions) {
    this.leaving = new Promise((resolve) => {
      this.markLeaving = () => {
        this.isLeaving = true;
        resolve();
      };
    });
    this.gone = new Promise((resolve) => {
      this.markGone = () => {
        if (this.isGone) return;
        this.isGone = true;
        this.markLeaving();
        for (const waiter of this.waiters.splice(0)) waiter('error');
        resolve();
      };
    });
    const { input, output } = options;
    output.on('error', (error: NodeJS.ErrnoException) => {
      this.writeError ??= error.code ?? error.message;
      options.log.error(`cannot write to ExaBGP (${this.writeError}): it is gone`);
      this.markGone();
    });
    if (input) {
      input.setEncoding('utf8');
      input.on('data', (chunk: string) => this.onData(chunk));
      input.on('end', () => this.markGone());
      input.on('close', () => this.markGone());
      input.on('error', () => this.markGone());
    }
  }

  get closed(): boolean {
    return this.isGone;
  }

  /** ExaBGP said it is shutting down, or is gone. */
  get isShuttingDown(): boolean {
    return this.isLeaving;
  }

  /** Why stdout failed (an error code such as EPIPE), or null while it works. */
  get outputError(): string | null {
    return this.writeError;
  }

  /** Whether lines can still be written: stdout has not failed (ExaBGP may have closed our stdin). */
  get writable(): boolean {
    const { output } = this.options;
    return this.writeError === null && !output.destroyed && output.writable;
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      this.onLine(line);
    }
    if (this.buffer.length > MAX_INPUT_LINE) this.buffer = '';
  }

  private onLine(line: string): void {
    if (SHUTDOWN_NOTICE.test(line)) {
      this.options.log.info('ExaBGP is shutting down');
      this.markLeaving();
      return;
    }
    if (line !== 'done' && line !== 'error') {
      if (line !== '') this.options.log.debug(`ignoring input from ExaBGP: ${line.slice(0, 200)}`);
      return;
    }
    if (this.owed > 0) {
      this.owed--;
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(line);
    else this.options.log.debug(`unexpected '${line}' from ExaBGP`);
  }

  /**
   * Writes the lines at once, in order, and waits for their acks when acks are on. ExaBGP answers
   * the lines in the order it read them, so an ack belongs to the oldest line still waiting, and no
   * send waits for another's acks before it writes: waiting for the ack of every line before the
   * next would cap all the services together at one line per round trip through ExaBGP (12 ms on a
   * loaded machine: fewer lines a second than 100 services refresh). An abort ends the waits; the
   * acks still owed are discarded on arrival. Without acks, the lines of every send made in one
   * turn of the event loop go out in one write. Resolves with how many lines ExaBGP took: with
   * acks, those it answered `done` to (not those refused, unanswered or cut short).
   */
  send(lines: readonly string[], signal?: AbortSignal, ackTimeoutMs?: number): Promise<number> {
    if (!this.options.acks) return this.sendBatched(lines, signal);
    return this.track(this.sendNow(lines, signal, ackTimeoutMs));
  }

  /**
   * Writes every line at once, then waits for their acks until one deadline (a stop must stay
   * bounded: a deaf ExaBGP costs `deadlineMs` in all, not an ack timeout per line). Also writes
   * when ExaBGP closed our stdin, as long as stdout works. Resolves with how many were acked (all
   * of them without acks); never rejects.
   */
  sendAll(lines: readonly string[], deadlineMs: number): Promise<number> {
    return this.track(this.sendAllNow(lines, deadlineMs));
  }

  /** Keeps `idle` waiting for `run` too. */
  private track<T>(run: Promise<T>): Promise<T> {
    // Settled to undefined, so the chain holds no results.
    this.queue = Promise.all([this.queue, run.catch(() => undefined)]).then(() => undefined);
    return run;
  }

  private async sendAllNow(lines: readonly string[], deadlineMs: number): Promise<number> {
    // Lines batched without acks go first: the order of the stream is the order of the calls.
    if (this.flushed) await this.flushed;
    if (lines.length === 0 || !this.writable) return 0;
    const expecting = this.options.acks && !this.isGone;
    const acks = expecting ? lines.map(() => this.expectAck()) : [];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    const written = new Promise<void>((resolve) => {
      this.options.output.write(lines.map((line) => `${line}\n`).join(''), () => resolve());
    });
    let acked = 0;
    const answered = Promise.all(
      acks.map((ack) =>
        ack.promise.then((answer) => {
          if (answer === 'done') acked++;
          if (!this.isGone) this.options.onAck?.(answer);
        }),
      ),
    );
    await Promise.race([Promise.all([written, answered]), deadline, this.gone]);
    clearTimeout(timer);
    let missing = 0;
    for (const ack of acks) {
      const index = this.waiters.indexOf(ack.waiter);
      if (index === -1) continue;
      this.waiters.splice(index, 1);
      this.owed++;
      missing++;
    }
    if (missing > 0 && !this.isGone) {
      this.options.log.warn(
        `no answer from ExaBGP within ${deadlineMs / 1000} s for ${missing} of ${lines.length} lines`,
      );
      for (let i = 0; i < missing; i++) this.options.onAck?.('timeout');
    }
    return expecting ? acked : lines.length;
  }

  /** Resolves once every send made so far has finished. */
  async idle(): Promise<void> {
    await this.queue;
    await this.flushed;
  }

  private sendBatched(lines: readonly string[], signal?: AbortSignal): Promise<number> {
    if (this.isGone || signal?.aborted || lines.length === 0) return Promise.resolve(0);
    for (const line of lines) this.batch += `${line}\n`;
    this.flushed ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const text = this.batch;
        this.batch = '';
        this.flushed = null;
        this.write(text).then(resolve, resolve);
      }),
    );
    const count = lines.length;
    return this.flushed.then(() => count);
  }

  private async sendNow(
    lines: readonly string[],
    signal?: AbortSignal,
    ackTimeoutMs = this.options.ackTimeoutMs,
  ): Promise<number> {
    if (this.isGone || signal?.aborted || lines.length === 0) return 0;
    // The waiters are queued with the write, in the same turn, so acks match lines by position.
    const acks = lines.map(() => this.expectAck());
    await this.write(lines.map((line) => `${line}\n`).join(''));
    const answers = await Promise.all(
      acks.map((ack, index) => this.awaitAck(ack, lines[index] ?? '', ackTimeoutMs, signal)),
    );
    return answers.filter(Boolean).length;
  }

  private expectAck(): { promise: Promise<'done' | 'error'>; waiter: Waiter } {
    let waiter!: Waiter;
    const promise = new Promise<'done' | 'error'>((resolve) => {
      waiter = resolve;
    });
    this.waiters.push(waiter);
    return { promise, waiter };
  }

  private async awaitAck(
    ack: { promise: Promise<'done' | 'error'>; waiter: Waiter },
    line: string,
    ackTimeoutMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const cutShort = new Promise<'timeout' | 'aborted'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ackTimeoutMs);
      onAbort = () => resolve('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const answer = await Promise.race([ack.promise, cutShort]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (answer === 'timeout' || answer === 'aborted') {
      const index = this.waiters.indexOf(ack.waiter);
      if (index !== -1) {
        this.waiters.splice(index, 1);
        this.owed++;
      }
      if (answer === 'timeout') {
        this.options.log.warn(`no answer from ExaBGP within ${ackTimeoutMs / 1000} s for: ${line}`);
        this.options.onAck?.('timeout');
      }
      return false;
    }
    if (this.isGone) return false;
    this.options.onAck?.(answer);
    if (answer === 'error') this.options.log.warn(`ExaBGP answered 'error' to: ${line}`);
    return answer === 'done';
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.isGone) return resolve();
      this.options.output.write(text, () => resolve());
    });
  }
}
