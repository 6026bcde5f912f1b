import { createHash, createHmac } from 'node:crypto';
import type Keyv from 'keyv';
import type { AuditEvent } from '../domain/effect';
import type { TicketRef } from '../domain/ticket';
import { KeyMutex } from '../store/key-mutex';

export interface AuditEntry extends AuditEvent {
  seq: number;
  requestId: string;
  ticket: TicketRef;
  /** The effect that wrote it, so a retried append writes nothing twice. */
  effectKey: string;
  prevHash: string;
  hash: string;
}

export interface AuditLog {
  append(entry: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>): Promise<AuditEntry>;
  /** Every entry in order. */
  entries(): AsyncGenerator<AuditEntry>;
  /** Checks the whole chain; names the first entry that was edited, removed or reordered. */
  verify(): Promise<{ ok: true; count: number } | { ok: false; seq: number; problem: string }>;
}

const GENESIS = '0'.repeat(64);
const pad = (seq: number) => String(seq).padStart(12, '0');

/**
 * The central, append-only, hash-chained record of every decision and effect. Each entry carries
 * its predecessor's hash and an HMAC over both, keyed from configuration, so editing, deleting or
 * reordering any entry breaks the chain from there on.
 */
export function createAuditLog(kv: Keyv, hmacKey: string | undefined): AuditLog {
  const mutex = new KeyMutex();
  const digest = (prevHash: string, body: Omit<AuditEntry, 'hash' | 'prevHash'>) => {
    const text = prevHash + '\n' + canonical(body);
    return hmacKey ? createHmac('sha256', hmacKey).update(text).digest('hex') : createHash('sha256').update(text).digest('hex');
  };

  return {
    append: (entry) =>
      mutex.run('head', async () => {
        const existing = (await kv.get(`effect:${entry.effectKey}`)) as number | undefined;
        if (existing !== undefined) return (await kv.get(`entry:${pad(existing)}`)) as AuditEntry;
        const head = ((await kv.get('head')) as { seq: number; hash: string } | undefined) ?? { seq: 0, hash: GENESIS };
        const body = { ...entry, seq: head.seq + 1 };
        const stored: AuditEntry = { ...body, prevHash: head.hash, hash: digest(head.hash, body) };
        await kv.set(`entry:${pad(stored.seq)}`, stored);
        await kv.set(`effect:${entry.effectKey}`, stored.seq);
        await kv.set('head', { seq: stored.seq, hash: stored.hash });
        return stored;
      }),

    async *entries() {
      const head = (await kv.get('head')) as { seq: number } | undefined;
      for (let seq = 1; seq <= (head?.seq ?? 0); seq++) {
        const e = (await kv.get(`entry:${pad(seq)}`)) as AuditEntry | undefined;
        if (e) yield e;
      }
    },

    async verify() {
      const head = (await kv.get('head')) as { seq: number; hash: string } | undefined;
      let prev = GENESIS;
      for (let seq = 1; seq <= (head?.seq ?? 0); seq++) {
        const e = (await kv.get(`entry:${pad(seq)}`)) as AuditEntry | undefined;
        if (!e) return { ok: false, seq, problem: 'entry is missing' };
        const { hash, prevHash, ...body } = e;
        if (e.seq !== seq) return { ok: false, seq, problem: `entry claims sequence ${e.seq}` };
        if (prevHash !== prev) return { ok: false, seq, problem: 'does not follow its predecessor' };
        if (digest(prevHash, body) !== hash) return { ok: false, seq, problem: 'content was altered' };
        prev = hash;
      }
      if (head && head.hash !== prev) return { ok: false, seq: head.seq, problem: 'head does not match the last entry' };
      return { ok: true, count: head?.seq ?? 0 };
    },
  };
}

/** JSON with sorted keys, so the hash does not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
