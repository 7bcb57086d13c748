// The control socket's wire format: one JSON request per line in, one JSON response per line out.
import { z } from 'zod';

/** A request line longer than this is refused without being parsed. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Responses carry a whole status (with transitions), so they may be larger than requests. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

// Printable text only: names and reasons end up in tables, logs and Nagios status lines.
const text = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(max, { error: `${what} must be at most ${max} characters` })
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, { error: `${what} must not contain control characters` });

const service = text('service', 200);
const by = text('by', 100).optional();

const requestSchema = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ op: z.literal('status') }),
    z.strictObject({ op: z.literal('disable'), service, reason: text('reason', 500), by }),
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
