import { CredgateError } from './errors';
import { retryAfterMs } from './retry-after';

/** How one ticketing system's failed HTTP call is described and which statuses are worth a retry. */
export interface FailureContext {
  /** "ServiceNow", "Zendesk"... */
  system: string;
  /** What was attempted, e.g. "PUT ticket 42". */
  what: string;
  /** The vendor's own error text from the body, already cut short (logs only, never comments). */
  detail: (data: unknown) => string;
  /** Said after an auth failure: which settings to check. */
  authHint: string;
  /** Statuses besides 429 and 5xx that are transient here (Zendesk's 409 on concurrent updates). */
  alsoTransient?: number[];
  /** The connector's clock, for a Retry-After given as a date. */
  now?: () => number;
}

/** What a failed HTTP call left to go by, however the vendor's client library reports it. */
export interface FailedResponse {
  /** The HTTP status; absent (or 0) when no answer came. */
  status?: number;
  headers?: unknown;
  data?: unknown;
  /** The network error code (ECONNREFUSED...) when no answer came. */
  code?: string;
}

/**
 * Maps a failed axios call to a credgate error kind: the one mapping every axios-based connector
 * shares. No header and no request config (which holds credentials) reaches the message.
 */
export function httpFailure(err: unknown, ctx: FailureContext): CredgateError {
  if (err instanceof CredgateError) return err;
  const e = err as { response?: { status?: number; headers?: unknown; data?: unknown }; code?: string };
  return failureOf(
    { status: e?.response?.status, headers: e?.response?.headers, data: e?.response?.data, code: e?.code },
    ctx,
  );
}

/** The error kind of a failed call, from what it left: unreachable and 429/5xx are transient. */
export function failureOf(res: FailedResponse, ctx: FailureContext): CredgateError {
  const status = res.status;
  if (!status)
    return new CredgateError(
      'transient',
      `${ctx.system} could not be reached (${ctx.what}): ${res.code ?? 'network error'}`,
    );
  const detail = ctx.detail(res.data);
  const message = `${ctx.system} answered ${status} to ${ctx.what}${detail ? `: ${detail}` : ''}`;
  if (status === 429 || status >= 500 || ctx.alsoTransient?.includes(status)) {
    return new CredgateError('transient', message, {
      retryAfterMs: retryAfterMs(plainHeaders(res.headers), ctx.now?.()),
      httpStatus: status,
    });
  }
  if (status === 401 || status === 403)
    return new CredgateError('auth', `${message} (${ctx.authHint})`, { httpStatus: status });
  if (status === 404) return new CredgateError('not-found', message, { httpStatus: status });
  return new CredgateError('permanent', message, { httpStatus: status });
}

/** axios keeps headers in an AxiosHeaders object; retryAfterMs wants a plain record. */
export function plainHeaders(h: unknown): Record<string, unknown> | undefined {
  if (!h || typeof h !== 'object') return undefined;
  const json = (h as { toJSON?: () => unknown }).toJSON?.();
  return (json && typeof json === 'object' ? json : h) as Record<string, unknown>;
}
