import { createHash, createHmac } from 'node:crypto';
import type { AuditEvent } from '../domain/effect';
import type { TicketRef } from '../domain/ticket';
import type { StoreEngine } from '../store/store-engine';

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

interface Head {
  version: number;
  seq: number;
  hash: string;
}

const GENESIS = '0'.repeat(64);
const pad = (seq: number) => String(seq).padStart(12, '0');

/**
 * The central, append-only, hash-chained record of every decision and effect. Each entry carries
 * its predecessor's hash and an HMAC over both, keyed from configuration, so editing, deleting or
 * reordering any entry breaks the chain from there on. Replicas append concurrently: entry n+1 is
 * claimed with set-if-absent and the head advances by compare-and-swap, so the chain never forks.
 */
export function createAuditLog(engine: StoreEngine, hmacKey: string | undefined): AuditLog {
  const kv = engine.keyv('audit');
  const digest = (prevHash: string, body: Omit<AuditEntry, 'hash' | 'prevHash'>) => {
    const text = prevHash + '\n' + canonical(body);
    return hmacKey ? createHmac('sha256', hmacKey).update(text).digest('hex') : createHash('sha256').update(text).digest('hex');
  };
  const readHead = async (): Promise<Head> => ((await kv.get('head')) as Head | undefined) ?? { version: 0, seq: 0, hash: GENESIS };

  return {
    async append(entry) {
      for (;;) {
        const existing = (await kv.get(`effect:${entry.effectKey}`)) as number | undefined;
        if (existing !== undefined) return (await kv.get(`entry:${pad(existing)}`)) as AuditEntry;
        const head = await readHead();
        const body = { ...entry, seq: head.seq + 1 };
        const stored: AuditEntry = { ...body, prevHash: head.hash, hash: digest(head.hash, body) };
        const claimed = await engine.setIfAbsent('audit', `entry:${pad(stored.seq)}`, stored);
        // Whoever wrote entry n+1 (us, or a replica that crashed before moving the head) is
        // chained correctly: move the head to it and go again if it was not ours.
        const winner = claimed ? stored : ((await kv.get(`entry:${pad(stored.seq)}`)) as AuditEntry);
        await engine.compareAndSet('audit', 'head', head.version, { version: head.version + 1, seq: winner.seq, hash: winner.hash } as Head);
        if (!claimed) continue;
        await kv.set(`effect:${entry.effectKey}`, stored.seq);
        return stored;
      }
    },

    async *entries() {
      const head = await readHead();
      for (let seq = 1; seq <= head.seq; seq++) {
        const e = (await kv.get(`entry:${pad(seq)}`)) as AuditEntry | undefined;
        if (e) yield e;
      }
    },

    async verify() {
      const head = await readHead();
      let prev = GENESIS;
      for (let seq = 1; seq <= head.seq; seq++) {
        const e = (await kv.get(`entry:${pad(seq)}`)) as AuditEntry | undefined;
        if (!e) return { ok: false, seq, problem: 'entry is missing' };
        const { hash, prevHash, ...body } = e;
        if (e.seq !== seq) return { ok: false, seq, problem: `entry claims sequence ${e.seq}` };
        if (prevHash !== prev) return { ok: false, seq, problem: 'does not follow its predecessor' };
        if (digest(prevHash, body) !== hash) return { ok: false, seq, problem: 'content was altered' };
        prev = hash;
      }
      if (head.hash !== prev) return { ok: false, seq: head.seq, problem: 'head does not match the last entry' };
      return { ok: true, count: head.seq };
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
