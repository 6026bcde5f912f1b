import { systemClock } from './clock';

/**
 * How long a rate-limited or unavailable server asks us to wait: `Retry-After` (seconds or an HTTP
 * date, RFC 9110 §10.2.3) or `X-RateLimit-Reset` (epoch seconds, or an ISO date as Jira sends it).
 */
export function retryAfterMs(
  headers: Record<string, unknown> | undefined,
  now = systemClock().getTime(),
): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
    return hit && hit[1] !== undefined && hit[1] !== null ? String(hit[1]) : undefined;
  };
  const retryAfter = get('retry-after');
  if (retryAfter !== undefined) {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.round(Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = get('x-ratelimit-reset');
  if (reset !== undefined) {
    const at = /^\d+$/.test(reset.trim()) ? Number(reset) * 1000 : Date.parse(reset);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}
