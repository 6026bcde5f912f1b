import { CredgateError } from '../src/util/errors';
import { retryAfterMs } from '../src/util/retry-after';

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
}

/**
 * Maps a failed axios call to a credgate error kind: the one mapping every axios-based connector
 * shares. No header and no request config (which holds credentials) reaches the message.
 */
export function httpFailure(err: unknown, ctx: FailureContext): CredgateError {
  if (err instanceof CredgateError) return err;
  const e = err as { response?: { status?: number; headers?: unknown; data?: unknown }; code?: string };
  const status = e?.response?.status;
  if (!status)
    return new CredgateError(
      'transient',
      `${ctx.system} could not be reached (${ctx.what}): ${e?.code ?? 'network error'}`,
    );
  const detail = ctx.detail(e.response?.data);
  const message = `${ctx.system} answered ${status} to ${ctx.what}${detail ? `: ${detail}` : ''}`;
  if (status === 429 || status >= 500 || ctx.alsoTransient?.includes(status)) {
    return new CredgateError('transient', message, {
      retryAfterMs: retryAfterMs(plainHeaders(e.response?.headers)),
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
