import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Fence, StoreEngine } from './store-engine';
import { KeyMutex } from './key-mutex';

/**
 * Leases on named work (a request's outbox, a delivery, the reconcile run): claimed, renewed while
 * the work runs, released after it. A replica that dies stops renewing, its leases expire, and
 * another replica's sweep takes the work over.
 */
export class Leases {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly local = new KeyMutex();

  constructor(
    private readonly engine: StoreEngine,
    private readonly ttlMs = 30_000,
  ) {}

  /**
   * Runs `fn` while holding the lease; returns false without running it when another owner holds
   * it. The engines hand a lease back to the owner that holds it (that is how it is renewed), so
   * two calls from this process would both get it: they queue on a mutex here instead. `fn` is
   * given the lease's fence: writes made with it are refused once another holder took the lease
   * over (this holder stalled past the TTL), so a stale holder cannot overwrite the new one's work.
   */
  run(name: string, fn: (fence: Fence) => Promise<void>, ttlMs = this.ttlMs): Promise<boolean> {
    return this.local.run(name, () => this.runHeld(name, fn, ttlMs));
  }

  private async runHeld(name: string, fn: (fence: Fence) => Promise<void>, ttlMs: number): Promise<boolean> {
    const token = await this.engine.acquireLease(name, this.owner, ttlMs);
    if (token === null) return false;
    const renew = setInterval(
      () => {
        this.engine.acquireLease(name, this.owner, ttlMs).catch(() => undefined);
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    renew.unref();
    try {
      await fn({ lease: name, token });
      return true;
    } finally {
      clearInterval(renew);
      await this.engine.releaseLease(name, this.owner).catch(() => undefined);
    }
  }

  /** Claims a lease for its whole TTL without releasing it (e.g. "reconcile once per interval"). */
  async claim(name: string, ttlMs: number): Promise<boolean> {
    return (await this.engine.acquireLease(name, this.owner, ttlMs)) !== null;
  }
}
