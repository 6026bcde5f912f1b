import { createHash } from 'node:crypto';
import type { StoreEngine } from '../store/store-engine';
import type { Leases } from '../store/leases';
import { DocumentCollection } from '../store/document-collection';
import type { CredentialRequest } from '../domain/request';
import type { AccessTarget } from '../domain/access-target';

/** The active grants covering one piece of access: request id → its expiry. */
interface Holders {
  version: number;
  holders: Record<string, string | null>;
  /** A shared account's current password, sealed, while grants share it (never in plain text). */
  sealedSecret?: string | null;
}

export interface HoldersView {
  /** Other requests still covering this access after the change. */
  others: string[];
  /** The latest expiry among all holders, so an account expiry attribute covers every grant. */
  until: string | null;
  sealedSecret: string | null;
}

/**
 * Which grants cover which access, so that overlapping grants (a renewal filed before the first
 * ends, two tickets for the same vendor) end the access only when the last of them ends. Every
 * change to one piece of access, and the provider call that goes with it, runs under a lease on
 * that access: a revocation and a concurrent grant cannot interleave on the target system.
 */
export class AccessLedger {
  private readonly docs: DocumentCollection<Holders>;

  constructor(
    engine: StoreEngine,
    private readonly leases: Leases,
  ) {
    this.docs = new DocumentCollection<Holders>(engine, 'meta');
  }

  /** Runs `fn` holding the lease on `key`, waiting for another replica's (or this process's) call to finish. */
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let result!: T;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      if (await this.leases.run(`access:${key}`, async () => void (result = await fn()))) return result;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  hold(key: string, requestId: string, expiresAt: string | null): Promise<HoldersView> {
    return this.change(key, (h) => void (h.holders[requestId] = expiresAt), requestId);
  }

  release(key: string, requestId: string): Promise<HoldersView> {
    return this.change(key, (h) => void delete h.holders[requestId], requestId);
  }

  keepSecret(key: string, sealed: string | null): Promise<HoldersView> {
    return this.change(key, (h) => void (h.sealedSecret = sealed), '');
  }

  private async change(key: string, apply: (h: Holders) => void, self: string): Promise<HoldersView> {
    const id = `holders:${key}`;
    for (;;) {
      const current = await this.docs.get(id);
      const next: Holders = structuredClone(current ?? { version: 0, holders: {} });
      apply(next);
      if (!Object.keys(next.holders).length) next.sealedSecret = null;
      if (await this.docs.compareAndSet(id, current?.version ?? 0, next)) {
        const ends = Object.values(next.holders);
        return {
          others: Object.keys(next.holders).filter((r) => r !== self),
          until: ends.includes(null)
            ? null
            : ends.reduce<string | null>((a, b) => (a === null || (b !== null && b > a) ? b : a), null),
          sealedSecret: next.sealedSecret ?? null,
        };
      }
    }
  }
}

/**
 * The piece of access a request's grant gives. Grants with the same key overlap: the same
 * provider settings (group, path), the same account and the same grantee. A shared account whose
 * password is handed out is one piece of access whoever holds it.
 */
export function accessKeyOf(r: Pick<CredentialRequest, 'access' | 'facts' | 'requester'>): string {
  const t: AccessTarget | null = r.access ?? null;
  const account = r.facts.account.trim().toLowerCase();
  if (t?.share === 'rotate') return accountKeyOf(r);
  const grantee = (r.requester?.email ?? r.requester?.id ?? '').toLowerCase();
  const settings = t ? JSON.stringify(Object.entries(t.settings).sort(([a], [b]) => a.localeCompare(b))) : '';
  return digest(`${t?.provider ?? 'builtin'}|${settings}|${account}|${grantee}`);
}

/** The account itself: rotation at revocation waits until no grant on any access to it remains. */
export function accountKeyOf(r: Pick<CredentialRequest, 'access' | 'facts'>): string {
  return digest(`account|${r.access?.provider ?? 'builtin'}|${r.facts.account.trim().toLowerCase()}`);
}

// Hashed: keys hold requester emails and account names, which need not sit in lease tables.
const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);
