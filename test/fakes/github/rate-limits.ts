/**
 * GitHub's REST rate limits, per credential
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api): every answer
 * carries `x-ratelimit-limit/remaining/used/reset/resource`; past the primary limit GitHub answers
 * 403 with remaining 0; a secondary limit answers 403 with `retry-after`. A client that calls again
 * before it may is recorded as a violation (GitHub may ban integrations that do).
 */
export interface Bucket {
  limit: number;
  remaining: number;
  reset: number;
  /** The client was told it is limited (a 403 or a response with remaining 0). */
  told: boolean;
  /** A secondary limit's retry-after, in epoch ms. */
  secondaryUntil: number;
  /** The secondary limit was just imposed: the request that meets it is not a violation. */
  secondaryFresh: boolean;
}

export type RateVerdict =
  | { ok: true }
  | { ok: false; status: 403; message: string; violation?: string; headers: Record<string, string> };

export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();
  private exhaustedUntil = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => Date,
  ) {}

  private bucket(key: string): Bucket {
    const nowS = Math.floor(this.now().getTime() / 1000);
    let b = this.buckets.get(key);
    if (!b || b.reset <= nowS) {
      b = {
        limit: this.limit,
        remaining: this.limit,
        reset: nowS + 3600,
        told: false,
        secondaryUntil: b?.secondaryUntil ?? 0,
        secondaryFresh: b?.secondaryFresh ?? false,
      };
      this.buckets.set(key, b);
    }
    if (this.exhaustedUntil > nowS && b.reset !== this.exhaustedUntil) {
      b.remaining = 0;
      b.reset = this.exhaustedUntil;
    }
    return b;
  }

  /** Spends one request; says whether GitHub would serve it. */
  take(key: string): RateVerdict {
    const b = this.bucket(key);
    const nowMs = this.now().getTime();
    if (b.secondaryUntil > nowMs) {
      const violation = b.secondaryFresh
        ? undefined
        : "called again before the secondary rate limit's retry-after had passed";
      b.secondaryFresh = false;
      return {
        ok: false,
        status: 403,
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        violation,
        headers: { 'retry-after': String(Math.ceil((b.secondaryUntil - nowMs) / 1000)), ...this.headers(key) },
      };
    }
    if (b.remaining <= 0) {
      const violation = b.told
        ? 'called again while the primary rate limit was exhausted (before x-ratelimit-reset)'
        : undefined;
      b.told = true;
      return {
        ok: false,
        status: 403,
        message: `API rate limit exceeded for ${key}.`,
        violation,
        headers: this.headers(key),
      };
    }
    b.remaining--;
    if (b.remaining === 0) b.told = true;
    return { ok: true };
  }

  headers(key: string): Record<string, string> {
    const b = this.bucket(key);
    return {
      'x-ratelimit-limit': String(b.limit),
      'x-ratelimit-remaining': String(b.remaining),
      'x-ratelimit-used': String(b.limit - b.remaining),
      'x-ratelimit-reset': String(b.reset),
      'x-ratelimit-resource': 'core',
    };
  }

  /** Every credential has no requests left until `resetInMs` from now. */
  exhaust(resetInMs: number): void {
    this.exhaustedUntil = Math.ceil((this.now().getTime() + resetInMs) / 1000);
  }

  /** A secondary limit for this credential: `retry-after` seconds. */
  secondary(key: string, retryAfterSeconds: number): void {
    const b = this.bucket(key);
    b.secondaryUntil = this.now().getTime() + retryAfterSeconds * 1000;
    b.secondaryFresh = true;
  }
}
