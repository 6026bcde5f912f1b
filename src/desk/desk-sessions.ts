import { createHash, randomBytes } from 'node:crypto';
import type Keyv from 'keyv';

/** One logged-in person. `csrf` is echoed by forms that change the session (logout). */
export interface DeskSession {
  username: string;
  csrf: string;
  createdAt: string;
  expiresAt: string;
}

/**
 * Sessions in the store's `desk_sessions` namespace with a TTL, so every replica behind a load balancer
 * knows them and they vanish on their own. The key is a hash of the cookie value: someone who can
 * read the store still cannot take over a session.
 */
export class DeskSessions {
  constructor(
    private readonly meta: Keyv,
    private readonly ttlMs: number,
    private readonly clock: () => Date,
  ) {}

  /** Starts a session; returns the cookie value (random, 256 bits) and the session. */
  async create(username: string): Promise<{ id: string; session: DeskSession }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock();
    const session: DeskSession = {
      username,
      csrf: randomBytes(24).toString('base64url'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + this.ttlMs).toISOString(),
    };
    await this.meta.set(keyOf(id), session, this.ttlMs);
    return { id, session };
  }

  async get(id: string): Promise<DeskSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const session = (await this.meta.get(keyOf(id))) as DeskSession | undefined;
    // The store's TTL uses the machine's clock; the injected clock decides too.
    if (!session || Date.parse(session.expiresAt) <= this.clock().getTime()) return null;
    return session;
  }

  async end(id: string): Promise<void> {
    await this.meta.delete(keyOf(id));
  }
}

const keyOf = (id: string) => `desk-session:${createHash('sha256').update(id).digest('hex')}`;
