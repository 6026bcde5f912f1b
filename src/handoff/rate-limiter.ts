/** Beyond this many tracked addresses, full buckets are forgotten (they hold no information). */
const MAX_TRACKED = 10_000;

/**
 * A token bucket per client address, in memory: each page request takes a token, tokens come
 * back at a steady rate. It slows token guessing from one address; 256-bit tokens make guessing
 * hopeless anyway, this keeps the store from being hammered. Per process: replicas each count.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly capacity: number,
    perMinute: number,
    private readonly now: () => number,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes a token for `key`; returns 0 when allowed, else the seconds until the next token. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perMs) : this.capacity;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
    }
    this.buckets.delete(key); // re-inserted last: the Map's order is then least recently used first
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > MAX_TRACKED) this.prune(now);
    return 0;
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets)
      if (b.tokens + (now - b.at) * this.perMs >= this.capacity) this.buckets.delete(key);
    // Still too many (many addresses at once): drop the least recently seen.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= MAX_TRACKED) break;
      this.buckets.delete(key);
    }
  }
}
