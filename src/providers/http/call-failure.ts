import { CredgateError } from '../../util/errors';
import { retryAfterMs } from '../../util/retry-after';
import { redactOutput } from '../command/redact-output';

/** Statuses worth a retry besides 5xx: timeout, too early (RFC 8470), rate limited. */
const TRANSIENT_STATUS = new Set([408, 425, 429]);
const EXCERPT_CHARS = 160;

/**
 * The receiver's own short explanation (`error`, `message`, `detail`, `title`, or the first line
 * of a text answer), scrubbed and cut short: it helps the operator, and it is only ever text the
 * receiver chose to send back.
 */
function excerpt(data: string, secrets: readonly string[]): string {
  let text = '';
  try {
    const json = JSON.parse(data) as Record<string, unknown>;
    const pick = (v: unknown) =>
      typeof v === 'string' ? v : v && typeof v === 'object' ? (v as Record<string, unknown>).message : undefined;
    const found = [json?.error, json?.message, json?.detail, json?.title].map(pick).find((v) => typeof v === 'string');
    text = typeof found === 'string' ? found : '';
  } catch {
    text = /^\s*</.test(data) ? '' : (data.split(/\r?\n/)[0] ?? '');
  }
  const clean = redactOutput(text, secrets)
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim();
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}…` : clean;
}

/**
 * Maps an answer that is not 2xx: 408/425/429/5xx are transient (with the server's Retry-After),
 * 401/403 mean credgate's credentials or signature are wrong ('config': no retry fixes that),
 * anything else is permanent. `what` names the call without its query or any header.
 */
export function statusFailure(
  what: string,
  status: number,
  headers: Record<string, unknown>,
  data: string,
  secrets: readonly string[],
): CredgateError {
  const why = excerpt(data, secrets);
  const message = `${what} answered ${status}${why ? `: ${why}` : ''}`;
  if (TRANSIENT_STATUS.has(status) || status >= 500) {
    return new CredgateError('transient', message, { retryAfterMs: retryAfterMs(headers), httpStatus: status });
  }
  if (status === 401 || status === 403) {
    return new CredgateError(
      'config',
      `${message} (the receiver refused credgate's credentials: check hmacSecret, bearerToken, secretHeaders and its clock)`,
      { httpStatus: status },
    );
  }
  if (status >= 300 && status < 400)
    return new CredgateError(
      'permanent',
      `${message} (redirects are not followed: they would carry the credentials elsewhere)`,
      { httpStatus: status },
    );
  return new CredgateError('permanent', message, { httpStatus: status });
}

/** A call that got no answer. Only the error code is read: axios errors hold the request's headers. */
export function networkFailure(what: string, err: unknown, timeout: string): CredgateError {
  const code = (err as { code?: string })?.code;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT')
    return new CredgateError('transient', `${what} got no answer within ${timeout}`);
  if (
    code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' ||
    (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(String((err as Error)?.message)))
  ) {
    return new CredgateError('permanent', `${what} answered with more than credgate reads`);
  }
  return new CredgateError('transient', `${what} could not be reached (${code ?? 'network error'})`);
}
