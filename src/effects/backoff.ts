/** Exponential backoff with full jitter, never shorter than what the server asked for. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, serverAskedMs?: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp / 2 + random() * (exp / 2));
  return Math.min(maxMs, Math.max(jittered, serverAskedMs ?? 0));
}
