// The result of one check, and the shape every probe has.

export type ProbeResult =
  | { readonly ok: true; readonly latencyMs: number; readonly detail?: string }
  | {
      readonly ok: false;
      readonly latencyMs: number;
      /** One short line a person reads in a log: "HTTP 503", "timeout after 2 s". */
      readonly reason: string;
      /** More context, such as the tail of a command's output. */
      readonly detail?: string;
    };

/** A probe runs one check; it stops its work and settles soon after `signal` aborts. */
export type Probe = (signal: AbortSignal) => Promise<ProbeResult>;
