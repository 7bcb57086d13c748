// ExaBGP as a speaker: the lines of each write go out on its text API, exactly as encoded.
import type { AnnounceTarget } from '../core/announcer.js';
import type { RouteOwner, RouteWrite, Speaker } from '../speakers/speaker.js';
import type { ExabgpApi } from './api.js';

export class ExabgpSpeaker implements Speaker {
  readonly name = 'ExaBGP';

  constructor(readonly api: ExabgpApi) {}

  write(
    _owner: RouteOwner,
    _target: AnnounceTarget,
    lines: readonly string[],
    signal?: AbortSignal,
    ackTimeoutMs?: number,
  ): Promise<number> {
    return this.api.send(lines, signal, ackTimeoutMs);
  }

  writeAll(writes: readonly RouteWrite[], deadlineMs: number): Promise<number> {
    return this.api.sendAll(
      writes.flatMap((w) => w.lines),
      deadlineMs,
    );
  }

  get writable(): boolean {
    return this.api.writable;
  }

  get isShuttingDown(): boolean {
    return this.api.isShuttingDown;
  }

  get leaving(): Promise<void> {
    return this.api.leaving;
  }
}
