// The control socket's wire format: one JSON request per line in, one JSON response per line out.
import { z } from 'zod';
import { controlCharacterIn } from '../core/printable.js';

/** A request line longer than this is refused without being parsed. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Responses carry a whole status (with transitions), so they may be larger than requests. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** The longest service name a request may carry. */
export const MAX_SERVICE_CHARS = 200;
/** The longest maintenance reason a request may carry. */
export const MAX_REASON_CHARS = 500;

/**
 * What is wrong with a text field of a request, or null when nothing is. One line of printable
 * text only: names and reasons end up in tables, logs and Nagios status lines.
 */
export function textProblem(what: string, value: string, max: number): string | null {
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > max) return `${what} must be at most ${max} characters`;
  const control = controlCharacterIn(value);
  if (control !== null)
    return `${what} must not contain control or line-breaking characters (found ${control})`;
  return null;
}

const text = (what: string, max: number) =>
  z.string({ error: `${what} must be a string` }).check((ctx) => {
    const problem = textProblem(what, ctx.value, max);
    if (problem !== null) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });

const service = text('service', MAX_SERVICE_CHARS);
const by = text('by', 100).optional();

const requestSchema = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ op: z.literal('status') }),
    z.strictObject({
      op: z.literal('disable'),
      service,
      reason: text('reason', MAX_REASON_CHARS),
      by,
    }),
    z.strictObject({ op: z.literal('enable'), service, by }),
    z.strictObject({ op: z.literal('drain'), service, by }),
    z.strictObject({ op: z.literal('check'), service }),
    z.strictObject({ op: z.literal('reload'), by }),
  ],
  { error: 'op must be one of: status, disable, enable, drain, check, reload' },
);

export type ControlRequest = z.infer<typeof requestSchema>;
export type ControlOp = ControlRequest['op'];

export type ControlResponse =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

const responseSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown().optional() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      if (issue.code === 'unrecognized_keys')
        return `${where}unknown field(s): ${issue.keys.join(', ')}`;
      return `${where}${issue.message}`;
    })
    .join('; ');
}

/** Parses one request line (without its newline); every failure is a message for the client. */
export function parseRequest(line: string): Parsed<ControlRequest> {
  if (Buffer.byteLength(line, 'utf8') > MAX_REQUEST_BYTES) {
    return { ok: false, error: `request too large (over ${MAX_REQUEST_BYTES} bytes)` };
  }
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { ok: false, error: `malformed request: not JSON (${(error as Error).message})` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      error: 'malformed request: expected a JSON object such as {"op":"status"}',
    };
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success)
    return { ok: false, error: `invalid request: ${describeIssues(parsed.error)}` };
  return { ok: true, value: parsed.data };
}

/** Parses one response line from the server. */
export function parseResponse(line: string): Parsed<ControlResponse> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { ok: false, error: `malformed response: not JSON (${(error as Error).message})` };
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success)
    return { ok: false, error: `malformed response: ${describeIssues(parsed.error)}` };
  return {
    ok: true,
    value: parsed.data.ok ? { ok: true, value: parsed.data.value ?? null } : parsed.data,
  };
}

/** One line on the wire; JSON.stringify escapes every newline inside strings, so it stays one line. */
export function encodeLine(message: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(message)}\n`;
}
