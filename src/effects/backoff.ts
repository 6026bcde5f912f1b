/**
 * Exponential backoff with jitter (half fixed, half random), capped at `maxMs`; never shorter than
 * what the server asked for with Retry-After or X-RateLimit-Reset: its ask wins over our cap.
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  serverAskedMs?: number,
  random = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp / 2 + random() * (exp / 2));
  return Math.max(jittered, Math.min(serverAskedMs ?? 0, 6 * 3_600_000));
}
