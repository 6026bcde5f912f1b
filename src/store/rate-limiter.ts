import type { StoreEngine } from './store-engine';

/** One client address's bucket, as stored (a versioned document). */
interface Bucket {
  version: number;
  tokens: number;
  /** When `tokens` was last computed (ms since the epoch). */
  at: number;
}

/** A compare-and-swap that keeps losing means heavy contention on one address: refuse, never loop. */
const MAX_RACES = 20;

/**
 * A token bucket per client address, in the shared store, so replicas behind a load balancer
 * count the same requests: each request takes a token, tokens come back at a steady rate. It
 * slows token guessing on pages whose URL is the credential (one-time links, review reports);
 * 256-bit tokens make guessing hopeless anyway, this keeps the store from being hammered. Takes
 * race on the document's version through the engine's compare-and-swap, like request documents.
 */
export class StoreRateLimiter {
  private readonly perMs: number;

  constructor(
    private readonly engine: Pick<StoreEngine, 'keyv' | 'compareAndSet'>,
    /** Names the bucket set, so two pages' limits do not share tokens. */
    private readonly scope: string,
    private readonly capacity: number,
    perMinute: number,
    private readonly now: () => number,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes a token for `address`; returns 0 when allowed, else the seconds until the next token. */
  async take(address: string): Promise<number> {
    const key = `${this.scope}:${address}`;
    for (let race = 0; race < MAX_RACES; race++) {
      const now = this.now();
      const stored = ((await this.engine.keyv('meta').get(key)) as Bucket | undefined) ?? null;
      const tokens = stored ? Math.min(this.capacity, stored.tokens + (now - stored.at) * this.perMs) : this.capacity;
      const version = (stored?.version ?? 0) + 1;
      if (tokens < 1) {
        // Nothing is written: a refused request must not push the refill further out.
        return Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000));
      }
      const next: Bucket = { version, tokens: tokens - 1, at: now };
      if (await this.engine.compareAndSet('meta', key, stored?.version ?? 0, next)) return 0;
    }
    return Math.ceil(1 / this.perMs / 1000);
  }
}
