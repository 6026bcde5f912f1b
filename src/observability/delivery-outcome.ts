import { isCredgateError } from '../util/errors';

/** What became of one webhook delivery, as counted by `credgate_webhook_deliveries_total`. */
export type DeliveryOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'unauthorized'
  | 'bad-request'
  | 'too-large'
  | 'unknown-connector'
  | 'error';

/** The outcome of a delivery refused with `err`, mirroring the status the error handler answers. */
export function deliveryOutcomeOf(err: unknown): DeliveryOutcome {
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e?.type === 'entity.too.large') return 'too-large';
  if (isCredgateError(err)) {
    if (err.kind === 'auth') return 'unauthorized';
    if (err.kind === 'bad-input') return 'bad-request';
    if (err.kind === 'not-found') return 'unknown-connector';
    return 'error';
  }
  // body-parser's other refusals (aborted, bad encoding) are 4xx http-errors.
  if (e?.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) return 'bad-request';
  return 'error';
}
