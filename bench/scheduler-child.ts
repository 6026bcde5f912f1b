/**
 * Child process: scheduler probes, each in a fresh process so memory and timings start clean.
 * seed: writes N pending revocation jobs into a SQLite store's `jobs` namespace.
 * restore: `new Scheduler(kv.jobs, ...).restore()`; iterate: the same entries through
 * `kv.jobs.iterator()` arming nothing (the baseline). burst / timers: jobs (or plain setTimeout
 * timers) all due at the same instant, with the lag of each firing.
 */
import type Keyv from 'keyv';
import { openStore, type Store } from '../src/store/open-store';
import { Scheduler, type ScheduledJob } from '../src/scheduler/scheduler';
import { createLogger } from '../src/util/logger';
import { note, serve } from './ipc';
import { bulkSet, countKeys, nullSink, round, sleep, summarize } from './common';

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
const log = createLogger({ level: 'warn', destination: nullSink() });

async function open(file: string, iterationLimit?: number): Promise<Store> {
  const store = await openStore(`sqlite://${file}`);
  if (iterationLimit) {
    // What-if only (not credgate's configuration): keyv's SQLite adapter pages its iterator
    // `iterationLimit` rows at a time (default 10).
    const adapter = (store.kv.jobs as unknown as { store?: { opts?: Record<string, unknown> } }).store;
    if (!adapter?.opts) throw new Error('the jobs namespace is not on keyv-sqlite; cannot set iterationLimit');
    adapter.opts.iterationLimit = iterationLimit;
  }
  return store;
}

/** Rows per page of keyv's SQLite iterator as configured (its default is 10); null on other stores. */
function pageRows(store: Store): number | null {
  const opts = (store.kv.jobs as unknown as { store?: { opts?: { dialect?: string; iterationLimit?: unknown } } }).store
    ?.opts;
  if (opts?.dialect !== 'sqlite') return null;
  return Number.parseInt(String(opts.iterationLimit), 10) || 10;
}

/** Counts the entries keyv's iterator yields and reports progress every second. */
function countIterations(kv: Keyv): { seen: () => number; stop: () => void } {
  const original = kv.iterator!.bind(kv);
  let seen = 0;
  (kv as { iterator: unknown }).iterator = async function* (ns: unknown) {
    for await (const entry of original(ns as never)) {
      seen++;
      yield entry;
    }
  };
  const t0 = performance.now();
  const timer = setInterval(
    () => note({ note: 'progress', seen, ms: round(performance.now() - t0, 0), rssMB: mb(process.memoryUsage().rss) }),
    1000,
  );
  return { seen: () => seen, stop: () => clearInterval(timer) };
}

serve({
  async seed(args: { file: string; n: number; fromMs: number; spreadMs: number }) {
    const store = await open(args.file);
    const now = Date.now();
    const entries: [string, ScheduledJob][] = [];
    for (let i = 0; i < args.n; i++) {
      const requestId = `cg-${i.toString(16).padStart(10, '0')}`;
      const at = new Date(now + args.fromMs + Math.floor((i * args.spreadMs) / args.n)).toISOString();
      entries.push([`${requestId}:expiry`, { requestId, timer: 'expiry', at }]);
    }
    const t0 = performance.now();
    const method = await bulkSet(store.kv.jobs, entries);
    const ms = performance.now() - t0;
    const stored = await countKeys(store.kv.jobs);
    await store.close();
    return { ms: round(ms, 0), method, stored };
  },

  async restore(args: { file: string; iterationLimit?: number }) {
    const store = await open(args.file, args.iterationLimit);
    const rssBefore = process.memoryUsage().rss;
    const progress = countIterations(store.kv.jobs);
    const scheduler = new Scheduler({ jobs: store.kv.jobs, onDue: async () => undefined, log });
    const t0 = performance.now();
    let n: number;
    try {
      n = await scheduler.restore();
    } catch (err) {
      progress.stop();
      return {
        failed: `${(err as Error).name}: ${(err as Error).message}`,
        ms: round(performance.now() - t0, 0),
        seen: progress.seen(),
        rssAfterMB: mb(process.memoryUsage().rss),
        pageRows: pageRows(store),
      };
    }
    const ms = performance.now() - t0;
    const mem = process.memoryUsage();
    progress.stop();
    const armed = scheduler.size;
    scheduler.stop();
    await store.close();
    return {
      ms: round(ms, 0),
      n,
      seen: progress.seen(),
      armed,
      rssBeforeMB: mb(rssBefore),
      rssAfterMB: mb(mem.rss),
      heapUsedMB: mb(mem.heapUsed),
      pageRows: pageRows(store),
    };
  },

  async iterate(args: { file: string; iterationLimit?: number }) {
    const store = await open(args.file, args.iterationLimit);
    const rssBefore = process.memoryUsage().rss;
    const progress = countIterations(store.kv.jobs);
    const t0 = performance.now();
    let n = 0;
    try {
      for await (const _ of store.kv.jobs.iterator!(undefined)) n++;
    } catch (err) {
      progress.stop();
      return {
        failed: `${(err as Error).name}: ${(err as Error).message}`,
        ms: round(performance.now() - t0, 0),
        seen: n,
        rssAfterMB: mb(process.memoryUsage().rss),
      };
    }
    const ms = performance.now() - t0;
    const mem = process.memoryUsage();
    progress.stop();
    await store.close();
    return { ms: round(ms, 0), n, rssBeforeMB: mb(rssBefore), rssAfterMB: mb(mem.rss), heapUsedMB: mb(mem.heapUsed) };
  },

  /** `n` durable jobs due at one instant, `leadMs` from now; the lag of each onDue. */
  async burst(args: { file: string; n: number; leadMs: number }) {
    const store = await open(args.file);
    const lags: number[] = [];
    let done!: () => void;
    const all = new Promise<void>((ok) => (done = ok));
    const scheduler = new Scheduler({
      jobs: store.kv.jobs,
      onDue: async (job) => {
        lags.push(Date.now() - Date.parse(job.at));
        if (lags.length === args.n) done();
      },
      log,
    });
    const at = new Date(Date.now() + args.leadMs).toISOString();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: args.n }, (_, i) =>
        scheduler.schedule({ requestId: `cg-${i.toString(16).padStart(10, '0')}`, timer: 'expiry', at }),
      ),
    );
    const scheduleMs = performance.now() - t0;
    const armedBeforeDue = Date.now() < Date.parse(at);
    await Promise.race([all, sleep(args.leadMs + 15_000)]);
    // What firing leaves behind: each fired job is deleted from the store after its onDue.
    await sleep(1_000);
    const left = await countKeys(store.kv.jobs);
    scheduler.stop();
    await store.close();
    return {
      fired: lags.length,
      lag: summarize(lags),
      scheduleMs: round(scheduleMs, 0),
      armedBeforeDue,
      leftInStoreAfter1s: left,
    };
  },

  /** Baseline: `n` plain setTimeout timers due at one instant. */
  async timers(args: { n: number; leadMs: number }) {
    const lags: number[] = [];
    const at = Date.now() + args.leadMs;
    await new Promise<void>((ok) => {
      for (let i = 0; i < args.n; i++) {
        setTimeout(() => {
          lags.push(Date.now() - at);
          if (lags.length === args.n) ok();
        }, at - Date.now());
      }
    });
    return { fired: lags.length, lag: summarize(lags) };
  },
});
