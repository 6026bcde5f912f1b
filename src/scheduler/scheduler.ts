import schedule, { type Job } from 'node-schedule';
import type Keyv from 'keyv';
import type { TimerKind } from '../domain/request';
import type { Logger } from '../util/logger';
import { CredgateError } from '../util/errors';
import { systemClock } from '../util/clock';

export interface ScheduledJob {
  requestId: string;
  timer: TimerKind;
  at: string;
}

export interface SchedulerOptions {
  /** Where jobs are stored (the store's `jobs` namespace). */
  jobs: Keyv;
  /** Runs a job that fell due; a rejection re-arms it after `retryMs`. */
  onDue: (job: ScheduledJob) => Promise<void>;
  log: Logger;
  clock?: () => Date;
  retryMs?: number;
  /** Only jobs due within this are armed; the sweep arms later ones as they come near. */
  horizonMs?: number;
}

/**
 * Durable timers: every job is written to the store before it is armed with node-schedule, and
 * stored jobs are re-armed at start and by each sweep, so a revocation survives a restart, one
 * that fell due while the service was down runs at once, and a job another replica stored is
 * armed here too (the request's compare-and-swap makes the first firing the only one that acts).
 * Only jobs due within the horizon are armed; the sweep arms later ones as they come near, which
 * keeps start-up fast and memory flat with many pending revocations. Jobs due at the same instant
 * share one node-schedule job: node-schedule re-arms a timer after each firing, so a thousand
 * separate jobs due together would fire about one per millisecond.
 */
export class Scheduler {
  /** Armed jobs by key, with the instant (ms) of the bucket they fire in; NaN = already due. */
  private readonly armed = new Map<string, { at: string; due: number; immediate?: NodeJS.Immediate }>();
  private readonly buckets = new Map<number, { handle: Job | null; jobs: Map<string, ScheduledJob> }>();
  private stopped = false;

  private readonly kv: Keyv;
  private readonly onDue: (job: ScheduledJob) => Promise<void>;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly retryMs: number;
  private readonly horizonMs: number;

  constructor(options: SchedulerOptions) {
    this.kv = options.jobs;
    this.onDue = options.onDue;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.retryMs = options.retryMs ?? 5_000;
    this.horizonMs = options.horizonMs ?? 15 * 60_000;
  }

  async schedule(job: ScheduledJob): Promise<void> {
    await this.kv.set(keyOf(job), job);
    this.arm(job);
  }

  async cancel(requestId: string, timer: TimerKind): Promise<void> {
    const key = keyOf({ requestId, timer });
    this.disarm(key);
    await this.kv.delete(key);
  }

  /** Arms every stored job due within the horizon that is not armed yet; returns how many are stored. */
  async restore(): Promise<number> {
    let n = 0;
    if (!this.kv.iterator) throw new CredgateError('config', 'this store cannot list jobs');
    const horizon = this.clock().getTime() + this.horizonMs;
    // Collect first: a job armed here may fire (and be deleted) while a paged iterator still runs.
    const due: ScheduledJob[] = [];
    for await (const [, value] of this.kv.iterator(undefined)) {
      const job = value as ScheduledJob;
      n++;
      if (Date.parse(job.at) <= horizon && this.armed.get(keyOf(job))?.at !== job.at) due.push(job);
    }
    for (const job of due) this.arm(job);
    return n;
  }

  stop(): void {
    this.stopped = true;
    for (const key of [...this.armed.keys()]) this.disarm(key);
  }

  get size(): number {
    return this.armed.size;
  }

  private arm(job: ScheduledJob): void {
    if (this.stopped) return;
    const key = keyOf(job);
    this.disarm(key);
    const due = Date.parse(job.at);
    const now = this.clock().getTime();
    if (due > now + this.horizonMs) return; // a later sweep arms it
    if (due <= now) {
      this.armed.set(key, { at: job.at, due: NaN, immediate: setImmediate(() => this.fireOne(key, job)) });
      return;
    }
    let bucket = this.buckets.get(due);
    if (!bucket) {
      bucket = { handle: null, jobs: new Map() };
      this.buckets.set(due, bucket);
      // node-schedule returns null for a date it considers past (a race with the check above).
      bucket.handle = schedule.scheduleJob(new Date(due), () => this.fireBucket(due));
      if (!bucket.handle) setImmediate(() => this.fireBucket(due));
    }
    bucket.jobs.set(key, job);
    this.armed.set(key, { at: job.at, due });
  }

  private disarm(key: string): void {
    const armed = this.armed.get(key);
    if (!armed) return;
    this.armed.delete(key);
    if (armed.immediate) clearImmediate(armed.immediate);
    const bucket = this.buckets.get(armed.due);
    if (!bucket) return;
    bucket.jobs.delete(key);
    if (bucket.jobs.size === 0) {
      bucket.handle?.cancel();
      this.buckets.delete(armed.due);
    }
  }

  private fireBucket(due: number): void {
    const bucket = this.buckets.get(due);
    if (!bucket) return;
    this.buckets.delete(due);
    for (const [key, job] of bucket.jobs) this.fireOne(key, job);
  }

  private fireOne(key: string, job: ScheduledJob): void {
    if (this.armed.get(key)?.at === job.at) this.armed.delete(key);
    void this.fire(job);
  }

  private async fire(job: ScheduledJob): Promise<void> {
    const key = keyOf(job);
    try {
      await this.onDue(job);
      // Delete only if not rescheduled meanwhile: a newer due time lives under the same key.
      const stored = (await this.kv.get(key)) as ScheduledJob | undefined;
      if (stored && stored.at === job.at) await this.kv.delete(key);
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, requestId: job.requestId, timer: job.timer },
        'due job failed; retrying',
      );
      if (!this.stopped) {
        const t = setTimeout(() => this.arm(job), this.retryMs);
        t.unref();
      }
    }
  }
}

const keyOf = (job: { requestId: string; timer: TimerKind }) => `${job.requestId}:${job.timer}`;
