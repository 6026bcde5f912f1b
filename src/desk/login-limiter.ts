import type { StoreEngine } from '../store/store-engine';

/** One client address's attempts in the current window, as stored (a versioned document). */
interface AttemptWindow {
  version: number;
  /** Failed attempts plus attempts still being checked. */
  count: number;
  resetAt: number;
}

/** A compare-and-swap that keeps losing means heavy contention on one address: refuse, never loop. */
const MAX_RACES = 20;

/**
 * Limits logins per client address in a fixed window, in the shared store, so two replicas behind
 * a load balancer count the same attempts. An attempt is reserved before its password is checked
 * and released only when it succeeds: a burst of concurrent guesses cannot all pass the check
 * before the first failure is counted (scrypt takes tens of milliseconds, long enough for hundreds
 * of requests to arrive). Reservations race on the document's version through the engine's own
 * compare-and-swap, like request documents.
 *
 * Behind a reverse proxy every client shares the proxy's address unless the app trusts
 * `X-Forwarded-For` (express `trust proxy`).
 */
export class LoginLimiter {
  constructor(
    private readonly engine: Pick<StoreEngine, 'keyv' | 'compareAndSet'>,
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => Date,
  ) {}

  /**
   * Reserves one attempt for `address`. Returns 0 when the attempt may go ahead (call `release`
   * if it succeeds), else the milliseconds until the address may try again.
   */
  async reserve(address: string): Promise<number> {
    for (let race = 0; race < MAX_RACES; race++) {
      const now = this.clock().getTime();
      const stored = await this.read(address);
      const live = stored && stored.resetAt > now ? stored : null;
      if (live && live.count >= this.max) return live.resetAt - now;
      const next = live
        ? { version: live.version + 1, count: live.count + 1, resetAt: live.resetAt }
        : { version: (stored?.version ?? 0) + 1, count: 1, resetAt: now + this.windowMs };
      if (await this.engine.compareAndSet('meta', keyOf(address), stored?.version ?? 0, next)) return 0;
    }
    return this.windowMs;
  }

  /** Gives back an attempt that succeeded: only failures count against the address. */
  async release(address: string): Promise<void> {
    for (let race = 0; race < MAX_RACES; race++) {
      const stored = await this.read(address);
      if (!stored || stored.count === 0) return;
      const next = { version: stored.version + 1, count: stored.count - 1, resetAt: stored.resetAt };
      if (await this.engine.compareAndSet('meta', keyOf(address), stored.version, next)) return;
    }
  }

  private async read(address: string): Promise<AttemptWindow | null> {
    return ((await this.engine.keyv('meta').get(keyOf(address))) as AttemptWindow | undefined) ?? null;
  }
}

const keyOf = (address: string) => `desk-login:${address}`;
