import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { AuditEvent } from '../domain/effect';
import type { TicketRef } from '../domain/ticket';
import type { StoreEngine } from '../store/store-engine';
import { scrubPatterns } from '../util/logger';
import { checkChain, type VerifyResult } from './verify-chain';
import { systemClock } from '../util/clock';

/** What the chain adds to every record it stores. */
interface Chained {
  seq: number;
  /** The effect (or system event) that wrote it, so a retried append writes nothing twice. */
  effectKey: string;
  prevHash: string;
  hash: string;
}

/** A decision or effect of one credential request. */
export interface AuditEntry extends AuditEvent, Chained {
  requestId: string;
  ticket: TicketRef;
}

/** An event of the service itself, tied to no request: configuration loaded, service started. */
export interface SystemAuditEntry extends AuditEvent, Chained {
  system: true;
  requestId?: never;
  ticket?: never;
}

/** Anything in the chain. */
export type AuditRecord = AuditEntry | SystemAuditEntry;

export const isSystemEntry = (r: AuditRecord): r is SystemAuditEntry => (r as SystemAuditEntry).system === true;

/** Told of every record this process writes (not of a retried append that found its record). */
export type AuditObserver = (record: AuditRecord) => void | Promise<void>;

export type { VerifyResult } from './verify-chain';

export interface AuditLog {
  append(entry: Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>): Promise<AuditEntry>;
  /**
   * Records an event of the service itself. `key` makes it idempotent like an effect's append;
   * without one every call writes a new record.
   */
  appendSystem(event: Omit<AuditEvent, 'at'> & { at?: string }, key?: string): Promise<SystemAuditEntry>;
  /** Every request entry in order (system records skipped: they belong to no request). */
  entries(fromSeq?: number): AsyncGenerator<AuditEntry>;
  /** Every record in chain order, request and system alike. */
  records(fromSeq?: number): AsyncGenerator<AuditRecord>;
  /** Checks the whole chain; names the first record that was edited, removed or reordered. */
  verify(): Promise<VerifyResult>;
  /** Adds an observer (metrics); returns a function that removes it. Observers never fail an append. */
  observe(observer: AuditObserver): () => void;
}

export interface AuditLogOptions {
  /**
   * Removes secrets from the text of an entry before it is chained (a logger's scrubber, so values
   * learned at runtime are covered too). Secret-shaped patterns are always removed.
   */
  scrub?: (text: string) => string;
  clock?: () => Date;
}

interface Head {
  version: number;
  seq: number;
  hash: string;
}

export const GENESIS = '0'.repeat(64);
export const entryKey = (seq: number): string => `entry:${String(seq).padStart(12, '0')}`;
/** Records read per store round trip when walking the chain. */
const PAGE = 200;

/**
 * The central, append-only, hash-chained record of every decision and effect, and of the service's
 * own events. Each record carries its predecessor's hash and an HMAC over both, keyed from
 * configuration, so editing, deleting or reordering any record breaks the chain from there on.
 * Replicas append concurrently: record n+1 is claimed with set-if-absent and the head advances by
 * compare-and-swap, so the chain never forks.
 */
export function createAuditLog(
  engine: StoreEngine,
  hmacKey: string | undefined,
  options: AuditLogOptions = {},
): AuditLog {
  const kv = engine.keyv('audit');
  const clock = options.clock ?? systemClock;
  const scrub = (text: string) => scrubPatterns(options.scrub ? options.scrub(text) : text);
  const observers = new Set<AuditObserver>();
  const digest = (prevHash: string, body: object) => {
    const text = prevHash + '\n' + canonical(body);
    return hmacKey
      ? createHmac('sha256', hmacKey).update(text).digest('hex')
      : createHash('sha256').update(text).digest('hex');
  };
  const readHead = async (): Promise<Head> =>
    ((await kv.get('head')) as Head | undefined) ?? { version: 0, seq: 0, hash: GENESIS };

  /** Reads records from..to (inclusive) a page at a time; a missing record is undefined. */
  async function* walk(from: number, to: number): AsyncGenerator<[number, AuditRecord | undefined]> {
    for (let start = from; start <= to; start += PAGE) {
      const seqs = Array.from({ length: Math.min(PAGE, to - start + 1) }, (_, i) => start + i);
      const found = (await kv.getMany(seqs.map(entryKey))) as (AuditRecord | undefined)[];
      for (const [i, seq] of seqs.entries()) yield [seq, found[i] ?? undefined];
    }
  }

  async function chain<T extends AuditRecord>(record: Omit<T, 'seq' | 'prevHash' | 'hash'>): Promise<T> {
    const clean = {
      ...record,
      ...scrubDeep({ actor: record.actor, outcome: record.outcome, rules: record.rules, detail: record.detail }, scrub),
    };
    for (;;) {
      const existing = (await kv.get(`effect:${clean.effectKey}`)) as number | undefined;
      if (existing !== undefined) return (await kv.get(entryKey(existing))) as T;
      const head = await readHead();
      const body = { ...clean, seq: head.seq + 1 };
      const stored = { ...body, prevHash: head.hash, hash: digest(head.hash, body) } as T;
      const claimed = await engine.setIfAbsent('audit', entryKey(stored.seq), stored);
      // Whoever wrote record n+1 (us, or a replica that crashed before moving the head) is
      // chained correctly: move the head to it and go again if it was not ours.
      const winner = claimed ? stored : ((await kv.get(entryKey(stored.seq))) as T);
      await engine.compareAndSet('audit', 'head', head.version, {
        version: head.version + 1,
        seq: winner.seq,
        hash: winner.hash,
      } as Head);
      if (!claimed) continue;
      await kv.set(`effect:${clean.effectKey}`, stored.seq);
      for (const observe of observers) {
        try {
          await observe(stored);
        } catch {
          // An observer (metrics) must never cost an audit record; the record is already stored.
        }
      }
      return stored;
    }
  }

  return {
    append: (entry) => chain<AuditEntry>(entry),

    appendSystem(event, key) {
      const at = event.at ?? clock().toISOString();
      return chain<SystemAuditEntry>({
        ...event,
        at,
        system: true,
        effectKey: key ?? `system/${event.action}/${at}/${randomUUID()}`,
      });
    },

    async *records(fromSeq = 1) {
      const head = await readHead();
      for await (const [, record] of walk(Math.max(1, fromSeq), head.seq)) if (record) yield record;
    },

    async *entries(fromSeq = 1) {
      for await (const record of this.records(fromSeq)) if (!isSystemEntry(record)) yield record;
    },

    async verify() {
      const head = await readHead();
      return checkChain(head, walk, (prevHash, body) => digest(prevHash, body));
    },

    observe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
  };
}

/** Every string inside `value` scrubbed; requester text and vendor error messages reach details. */
function scrubDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scrubDeep(v, scrub)]),
    ) as T;
  }
  return value;
}

/** JSON with sorted keys, so the hash does not depend on property order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
