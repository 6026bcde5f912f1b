import type { Logger } from '../../util/logger';
import { scrubWith } from '../../util/logger';
import type { StoreEngine } from '../../store/store-engine';
import type { Leases } from '../../store/leases';
import { backoffMs } from '../../effects/backoff';
import type { AuditLog, AuditRecord } from '../audit-log';

/** A destination for audit records: a SIEM's webhook, a syslog collector. */
export interface AuditSink {
  readonly name: string;
  /** Resolves once the receiver has the record (webhook: a 2xx; syslog: written to the socket). */
  deliver(record: AuditRecord): Promise<void>;
  /**
   * How many records before the cursor to send again first: a transport without acknowledgements
   * (syslog over TCP) cannot tell what arrived just before its connection broke.
   */
  replayBefore?(): number;
  close(): Promise<void>;
}

export interface AuditShipperOptions {
  audit: AuditLog;
  engine: StoreEngine;
  leases: Leases;
  sinks: AuditSink[];
  log: Logger;
  /** Retry delays after a failed delivery (the effects' backoff). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How often to look for records another replica appended (this process's own wake it at once). */
  pollMs: number;
}

interface Cursor {
  version: number;
  /** The last sequence number the sink has. */
  seq: number;
}

/** Progress is stored every this many records, and always when a run ends. */
const SAVE_EVERY = 50;

/**
 * Streams the audit chain to each sink in sequence order, at least once: a sink's cursor (the last
 * seq it has) is stored after delivery, so a crash or an outage resends rather than skips, and the
 * receiver dedupes by seq and sees gaps. One replica ships per sink at a time (a lease), so order
 * holds across replicas. Failures back off like effects and never touch the audit log itself.
 */
export function createAuditShipper(options: AuditShipperOptions) {
  const { audit, engine, leases, log } = options;
  const meta = engine.keyv('meta');
  const state = new Map(
    options.sinks.map((sink) => [
      sink.name,
      { sink, running: null as Promise<void> | null, again: false, attempt: 0, retry: null as NodeJS.Timeout | null },
    ]),
  );
  let poll: NodeJS.Timeout | null = null;
  let stopped = false;

  const cursorKey = (name: string) => `audit-sink:${name}`;
  const readCursor = async (name: string): Promise<Cursor> =>
    ((await meta.get(cursorKey(name))) as Cursor | undefined) ?? { version: 0, seq: 0 };

  async function ship(s: NonNullable<ReturnType<typeof state.get>>): Promise<void> {
    let failed: unknown = null;
    const held = await leases.run(`audit-sink:${s.sink.name}`, async () => {
      let cursor = await readCursor(s.sink.name);
      let shipped = cursor.seq;
      const save = async () => {
        if (shipped <= cursor.seq) return;
        const next = { version: cursor.version + 1, seq: shipped };
        // Only the lease holder writes the cursor; a failed swap means the lease was lost meanwhile.
        if (await engine.compareAndSet('meta', cursorKey(s.sink.name), cursor.version, next)) cursor = next;
      };
      const from = Math.max(1, shipped + 1 - (s.sink.replayBefore?.() ?? 0));
      try {
        for await (const record of audit.records(from)) {
          if (stopped) break;
          await s.sink.deliver(record);
          if (record.seq > shipped) shipped = record.seq;
          if (shipped - cursor.seq >= SAVE_EVERY) await save();
        }
      } catch (err) {
        failed = err;
      } finally {
        await save().catch(() => undefined);
      }
    });
    if (failed) {
      s.attempt += 1;
      const delay = backoffMs(s.attempt, options.baseDelayMs, options.maxDelayMs);
      log.warn(
        { sink: s.sink.name, attempt: s.attempt, retryInMs: delay, err: scrubWith(log, (failed as Error).message) },
        'audit sink delivery failed; will retry',
      );
      if (!stopped && !s.retry) {
        s.retry = setTimeout(() => {
          s.retry = null;
          wake(s.sink.name);
        }, delay);
        s.retry.unref();
      }
    } else if (held) {
      s.attempt = 0;
    }
  }

  /** Starts a run for the sink, or asks the running one to go again when it is done. */
  function wake(name: string): void {
    const s = state.get(name);
    if (!s || stopped) return;
    if (s.running) {
      s.again = true;
      return;
    }
    if (s.retry) return; // backing off: the timer wakes it
    s.running = (async () => {
      do {
        s.again = false;
        await ship(s).catch((err) =>
          log.error({ sink: name, err: scrubWith(log, (err as Error).message) }, 'audit sink'),
        );
      } while (s.again && !stopped && !s.retry);
      s.running = null;
    })();
  }

  const wakeAll = () => {
    for (const name of state.keys()) wake(name);
  };

  return {
    /** Called for every record this process appends: ship it now rather than at the next poll. */
    nudge: wakeAll,
    start(): void {
      stopped = false;
      wakeAll();
      poll = setInterval(wakeAll, options.pollMs);
      poll.unref();
    },
    /** Resolves when no run is in flight (tests, shutdown). */
    async idle(): Promise<void> {
      for (;;) {
        const running = [...state.values()].map((s) => s.running).filter(Boolean);
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
    /** The last seq each sink has, as stored. */
    async positions(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const name of state.keys()) out[name] = (await readCursor(name)).seq;
      return out;
    },
    async stop(): Promise<void> {
      stopped = true;
      if (poll) clearInterval(poll);
      for (const s of state.values()) if (s.retry) clearTimeout(s.retry);
      await Promise.race([this.idle(), new Promise((ok) => setTimeout(ok, 3_000).unref())]);
      await Promise.all([...state.values()].map((s) => s.sink.close().catch(() => undefined)));
    },
  };
}

export type AuditShipper = ReturnType<typeof createAuditShipper>;
