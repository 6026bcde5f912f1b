/**
 * The handful of error kinds credgate knows. Each carries the HTTP status it maps to and a stable
 * code; messages are written for the person who must act on them and never contain a secret.
 */
export type ErrorKind = 'config' | 'auth' | 'bad-input' | 'not-found' | 'conflict' | 'transient' | 'permanent';

const STATUS: Record<ErrorKind, number> = {
  config: 500,
  auth: 401,
  'bad-input': 400,
  'not-found': 404,
  conflict: 409,
  transient: 503,
  permanent: 502,
};

export class CredgateError extends Error {
  readonly status: number;
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: { retryAfterMs?: number; code?: string; httpStatus?: number } = {},
  ) {
    super(message);
    this.name = 'CredgateError';
    this.status = details.httpStatus ?? STATUS[kind];
  }
}

export const isCredgateError = (e: unknown, kind?: ErrorKind): e is CredgateError =>
  e instanceof CredgateError && (kind === undefined || e.kind === kind);
