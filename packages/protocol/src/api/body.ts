import type { z } from 'zod';

/** A request body or query that does not fit its schema: the code, the field and the fix. */
export interface ApiBodyProblem {
  ok: false;
  /** The API error code (HTTP 400), e.g. BAD_APPROVAL. */
  code: string;
  /** Dotted path of the first offending field ('' = the body itself). */
  field: string;
  /** Names the field, what is wrong and what to send instead. */
  message: string;
}

/**
 * Check `input` against a request schema. The code is `codes[<top-level field>]`, else `codes['']`; the
 * message is the schema's own message for the field (each names the field and the fix).
 */
export function parseApiBody<S extends z.ZodType>(
  schema: S,
  input: unknown,
  codes: Readonly<Record<string, string>>,
): { ok: true; value: z.output<S> } | ApiBodyProblem {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : String(p)));
  const field = path.join('.').replace(/\.\[/g, '[');
  const top = typeof issue?.path[0] === 'string' ? issue.path[0] : '';
  const message = issue?.message ?? 'the body does not match the API schema';
  return {
    ok: false,
    code: codes[top] ?? codes[''] ?? 'BAD_REQUEST',
    field,
    message: field !== '' && !message.startsWith(top || '\u0000') ? `${field}: ${message}` : message,
  };
}
