import type { Logger } from '../util/logger';
import { errorKindOf, isRetried, retryAfterOf } from '../util/retry-policy';
import { backoffMs } from '../effects/backoff';
import type { Inbox } from './inbox';
import type { TicketProcessor } from './ticket-processor';
import type { Leases } from '../store/leases';
import type { DeliveryLog, TicketResult } from './delivery-log';
import { type Clock, systemClock } from '../util/clock';

export interface DeliveryWorkerOptions {
  inbox: Inbox;
  processor: TicketProcessor;
  /** One replica processes a delivery at a time. */
  leases: Leases;
  /** Resolves once the connector can be called (its start succeeded); default: at once. */
  ready?: (connector: string) => Promise<void>;
  log: Logger;
  /** Backoff between attempts at a delivery whose ticketing system is down or rate limiting. */
  retry?: { baseMs: number; maxMs: number };
  /** Attempts before a delivery that keeps failing is given up (deliveries.maxAttempts). */
  maxAttempts?: number;
  clock?: Clock;
  /**
   * Deliveries processed at once (default 4). The rest wait in a queue of at most `queueLimit`
   * (default 10,000); beyond it a delivery is left to the next sweep, which reads it from the inbox.
   * The limit keeps the event loop free to acknowledge new deliveries during a burst.
   */
  concurrency?: number;
  queueLimit?: number;
}

/**
 * Processes persisted deliveries. A ticketing system that is down or rate limiting leaves the
 * delivery in the inbox, retried with backoff here and by the periodic sweep; nothing is dropped
 * but a delivery whose ticket cannot be read for good (deleted, out of scope, no permission).
 */
export class DeliveryWorker {
  /** Deliveries handed over and not finished: processing now, or queued for a slot. */
  private readonly running = new Map<string, Promise<void>>();
  /** Waiting for a slot, oldest first. */
  private readonly queue: (() => void)[] = [];
  private active = 0;
  /** Handed over while the queue was full: left in the inbox for the sweep. */
  private deferred = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Where each delivery's outcome is written for operators (`credgate deliveries`, the desk). */
  deliveryLog?: DeliveryLog;

  private readonly inbox: Inbox;
  private readonly processor: TicketProcessor;
  private readonly leases: Leases;
  private readonly ready: (connector: string) => Promise<void>;
  private readonly log: Logger;
  private readonly retry: { baseMs: number; maxMs: number };
  private readonly maxAttempts: number;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly queueLimit: number;

  constructor(options: DeliveryWorkerOptions) {
    this.inbox = options.inbox;
    this.processor = options.processor;
    this.leases = options.leases;
    this.ready = options.ready ?? (() => Promise.resolve());
    this.log = options.log;
    this.retry = options.retry ?? { baseMs: 1_000, maxMs: 300_000 };
    this.maxAttempts = options.maxAttempts ?? 25;
    this.clock = options.clock ?? systemClock;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.queueLimit = Math.max(0, options.queueLimit ?? 10_000);
  }

  /**
   * Processes one delivery unless it is already being processed or queued. Returns at once when
   * the queue is full: the delivery stays in the inbox and the next sweep hands it over again.
   */
  process(key: string): Promise<void> {
    const running = this.running.get(key);
    if (running) return running;
    if (this.running.size >= this.concurrency + this.queueLimit) {
      this.deferred++;
      return Promise.resolve();
    }
    // One replica processes a delivery; a replica that dies leaves it to another's sweep.
    const p = this.slot()
      .then(() => this.leases.run(`delivery:${key}`, () => this.run(key)).finally(() => this.release()))
      .then(() => undefined)
      .finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }

  /** Processing now, waiting for a slot, and handed over to a full queue (left to the sweep) so far. */
  load(): { active: number; queued: number; deferred: number } {
    return { active: this.active, queued: this.queue.length, deferred: this.deferred };
  }

  private slot(): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** A finished delivery passes its slot to the oldest waiting one. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  /** Everything still in the inbox: at start, and periodically. */
  async sweep(): Promise<number> {
    // Keys first, work after: processing deletes entries while the listing pages on. Entries
    // still waiting for their retry time are left out (run() would only return for them; their
    // timer or a later sweep comes back).
    const keys: string[] = [];
    for await (const key of this.inbox.dueKeys(this.clock())) keys.push(key);
    for (const key of keys) if (!this.stopped) void this.process(key);
    return keys.length;
  }

  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
  }

  private async run(key: string): Promise<void> {
    const entry = await this.inbox.get(key);
    if (!entry || this.stopped) return;
    // A sweep must not cut short the wait a rate-limited server asked for; the timer set with it
    // (or a later sweep) comes back.
    if (entry.notBefore && Date.parse(entry.notBefore) > this.clock().getTime()) return;
    try {
      await this.ready(entry.connector);
      const results: TicketResult[] = [];
      for (const ticket of entry.tickets) results.push(await this.processor.processTicket(ticket));
      await this.inbox.done(key);
      await this.record(() => this.deliveryLog?.processed(key, results, entry));
    } catch (err) {
      const message = (err as Error).message;
      // A ticket that is gone or a request Jira refuses outright will not improve with time; an
      // outage, a rate limit or a credential being rotated will, so those stay queued.
      if (!isRetried(err)) {
        this.log.error(
          { delivery: key, err: message, kind: errorKindOf(err) },
          'delivery cannot be processed; dropped',
        );
        await this.inbox.done(key);
        await this.record(() => this.deliveryLog?.failed(key, message));
        return;
      }
      const attempts = await this.inbox.failedAttempt(key);
      // No error is retried without end, whatever its kind: an outage that outlasts the attempts
      // is the reconcile pass's to repair, and the log says the delivery was given up.
      if (attempts >= this.maxAttempts) {
        this.log.error(
          { delivery: key, attempts, err: message, kind: errorKindOf(err) },
          'delivery failed on every attempt; given up',
        );
        await this.inbox.done(key);
        await this.record(() => this.deliveryLog?.failed(key, `given up after ${attempts} attempts: ${message}`));
        return;
      }
      const delay = backoffMs(attempts, this.retry.baseMs, this.retry.maxMs, retryAfterOf(err));
      const nextAttempt = new Date(this.clock().getTime() + delay);
      await this.inbox.retryAt(key, nextAttempt);
      await this.record(() => this.deliveryLog?.waiting(key, message, attempts, nextAttempt));
      this.log.warn(
        { delivery: key, attempts, delayMs: delay, err: message },
        'delivery processing failed; will retry',
      );
      if (this.stopped) return;
      const t = setTimeout(() => {
        this.timers.delete(t);
        void this.process(key);
      }, delay + 5);
      t.unref();
      this.timers.add(t);
    }
  }

  /** The log is for people: a failure to write it is logged, never a reason to redo the work. */
  private async record(write: () => Promise<void> | undefined): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'delivery log not written');
    }
  }
}
