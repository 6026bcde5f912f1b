/**
 * Counts failed logins per client address in a fixed window. Kept in memory: each replica counts
 * its own, which still caps guessing at `max × replicas` per window. Behind a reverse proxy every
 * client shares the proxy's address unless the app trusts `X-Forwarded-For` (express `trust proxy`).
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => Date,
  ) {}

  /** Milliseconds until `address` may try again, or 0 when it may try now. */
  blockedFor(address: string): number {
    const entry = this.failures.get(address);
    const now = this.clock().getTime();
    if (!entry || entry.resetAt <= now) return 0;
    return entry.count >= this.max ? entry.resetAt - now : 0;
  }

  fail(address: string): void {
    const now = this.clock().getTime();
    if (this.failures.size >= 10_000) {
      for (const [k, v] of this.failures) if (v.resetAt <= now) this.failures.delete(k);
      // Still full (many addresses at once): forget the oldest rather than grow without bound.
      for (const k of this.failures.keys()) {
        if (this.failures.size < 10_000) break;
        this.failures.delete(k);
      }
    }
    const entry = this.failures.get(address);
    if (!entry || entry.resetAt <= now) this.failures.set(address, { count: 1, resetAt: now + this.windowMs });
    else entry.count += 1;
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }
}
