// A control endpoint's JSON input, read and validated in one place so that every /sandbox/ endpoint
// answers a bad body the same way: 400 (413 when too large) with what was wrong.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyError, readJsonBody } from './protocol.js';

export type Send = (res: ServerResponse, body: unknown, status?: number) => void;

/** The input, or null once the refusal has been sent. */
export async function controlInput<T>(
  req: IncomingMessage,
  res: ServerResponse,
  send: Send,
  schema: z.ZodType<T>,
): Promise<T | null> {
  let body: unknown;
  try {
    body = await readJsonBody(req);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    send(res, { error: 'invalid_request', details: err.message }, err.status);
    return null;
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  send(res, { error: 'invalid_request', details: z.prettifyError(parsed.error) }, 400);
  return null;
}
