/**
 * Calls a verb of the service on behalf of a transport (IPC or WebSocket): refuses unknown verbs, parses the
 * input with its schema, and turns every failure into an ApiErrorShape, so a bad message can neither crash
 * the host nor reach the service unchecked.
 */
import { z } from 'zod';
import { ApiError } from './errors';
import { isApiMethod } from './methods';
import { apiInputSchemas } from './schemas';
import type { ApiErrorShape, ApiInputs, ApiMethod, ApiService } from './types';

export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

export async function dispatchApiCall(
  service: ApiService,
  method: unknown,
  input: unknown,
): Promise<DispatchResult> {
  if (!isApiMethod(method)) {
    return {
      ok: false,
      error: { code: 'unknown-method', message: `unknown Api method ${JSON.stringify(method)}` },
    };
  }
  const parsed = apiInputSchemas[method].safeParse(input ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      error: {
        code: 'invalid-input',
        message: `${method}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
      },
    };
  }
  try {
    const call = service[method] as (input: ApiInputs[ApiMethod]) => Promise<unknown>;
    const value = await call.call(service, parsed.data as ApiInputs[ApiMethod]);
    return { ok: true, value: value === undefined ? null : value };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, error: err.toJSON() };
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: { code: 'internal', message: `${method}: ${message}` } };
  }
}
