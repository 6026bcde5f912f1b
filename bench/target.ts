/**
 * Child process: the system under test. credgate (createService with a config from loadConfig, the
 * embedded SQLite store, logs at 'warn' into a null sink) and, in the same process, the baseline:
 * a bare express server that only verifies the delivery's HMAC and answers 200.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/util/logger';
import { createService, type Service } from '../src/service';
import { serve } from './ipc';
import { SECRETS, countKeys, credgateEnv, round, sleep, tempDir, writeCredgateConfig } from './common';

let service: Service | undefined;
let baseline: Server | undefined;
/** The durable hand-written receivers (express + better-sqlite3, express + BullMQ). */
const durable: Server[] = [];
let durableClose: (() => Promise<void>) | undefined;
let pausedProcess: ((key: string) => Promise<void>) | undefined;
const dir = tempDir('target');
/** Periodic background passes (instrumented bench-side): how often each ran and what it cost. */
const passes: Record<string, { count: number; totalMs: number; maxMs: number }> = {};

function instrument(owner: unknown, method: string, name: string): void {
  const target = owner as Record<string, unknown>;
  const original = target?.[method];
  if (typeof original !== 'function') return;
  const stat = (passes[name] = { count: 0, totalMs: 0, maxMs: 0 });
  target[method] = async (...args: unknown[]) => {
    const t = performance.now();
    try {
      return await (original as (...a: unknown[]) => Promise<unknown>).apply(owner, args);
    } finally {
      const took = performance.now() - t;
      stat.count++;
      stat.totalMs = round(stat.totalMs + took, 0);
      stat.maxMs = round(Math.max(stat.maxMs, took), 0);
    }
  };
}

function signed(secret: string, raw: Buffer, header: unknown): boolean {
  const given = Buffer.from(
    String(header ?? '')
      .trim()
      .toLowerCase(),
  );
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A receiver as a Node engineer writes it by hand: express, the HMAC check, then `keep` (nothing,
 * a SQLite insert, a BullMQ add) before answering.
 */
function baselineApp(secret: string, limit: number, keep?: (id: string, raw: Buffer) => unknown) {
  const app = express();
  app.disable('x-powered-by');
  app.post('/webhooks/jira', express.raw({ type: () => true, limit }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!signed(secret, raw, req.headers['x-hub-signature'])) {
      res.status(401).end();
      return;
    }
    if (!keep) {
      res.status(200).end();
      return;
    }
    try {
      await keep(String(req.headers['x-atlassian-webhook-identifier'] ?? ''), raw);
      res.status(202).end();
    } catch {
      res.status(500).end();
    }
  });
  return app;
}

/**
 * express + better-sqlite3 (WAL, synchronous=NORMAL) inserting the raw delivery before answering,
 * deduped on the delivery id; express + BullMQ `queue.add` (jobId = delivery id) on Redis.
 */
async function startDurableBaselines(limit: number, redisUrl: string) {
  const db = new Database(join(dir.path, 'baseline.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS deliveries (id TEXT PRIMARY KEY, body BLOB NOT NULL, received_at INTEGER)');
  const insert = db.prepare('INSERT INTO deliveries (id, body, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  const url = new URL(redisUrl);
  const queue = new Queue('bench-ingest', {
    connection: { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) },
  });
  await queue.waitUntilReady();
  const listen = (app: express.Express) =>
    new Promise<Server>((ok, fail) => {
      const s = app.listen(0, '127.0.0.1', () => ok(s));
      s.once('error', fail);
    });
  const sqlite = await listen(baselineApp(SECRETS.webhookSecret, limit, (id, raw) => insert.run(id, raw, Date.now())));
  const bullmq = await listen(
    baselineApp(SECRETS.webhookSecret, limit, (id, raw) =>
      queue.add('delivery', { id, body: raw.toString('utf8') }, { jobId: id || undefined }),
    ),
  );
  durable.push(sqlite, bullmq);
  durableClose = async () => {
    for (const s of durable) {
      s.closeAllConnections();
      await new Promise<void>((ok) => s.close(() => ok()));
    }
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    db.close();
  };
  return { sqliteUrl: urlOf(sqlite), bullmqUrl: urlOf(bullmq) };
}

function urlOf(server: Server): string {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** credgate's log lines (warn and above) counted by message, then dropped: a null sink that keeps a tally. */
const logged: Record<string, number> = {};
const lastErrors: string[] = [];

function countingSink(): Writable {
  return new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        try {
          const o = JSON.parse(line) as { msg?: string; err?: string };
          const key = String(o.msg ?? '?');
          logged[key] = (logged[key] ?? 0) + 1;
          if (o.err && lastErrors.length < 5) lastErrors.push(`${key}: ${String(o.err).slice(0, 200)}`);
        } catch {
          logged['(unparsed)'] = (logged['(unparsed)'] ?? 0) + 1;
        }
      }
      done();
    },
  });
}

/** SQLite statements per namespace (counted bench-side by wrapping each keyv adapter's query). */
const statements: Record<string, number> = {};

function countStatements(svc: Service): void {
  const store = svc.store as unknown as { engine?: { keyv?: (ns: string) => unknown }; kv: Record<string, unknown> };
  const seen = new Set<unknown>();
  for (const ns of [
    'requests',
    'inbox',
    'jobs',
    'audit',
    'grants',
    'owing',
    'deliveries',
    'access_holders',
    'grant_details',
  ]) {
    let kv: unknown;
    try {
      kv = store.engine?.keyv ? store.engine.keyv(ns) : store.kv[ns];
    } catch {
      continue;
    }
    const adapter = (kv as { store?: { query?: unknown } } | undefined)?.store as Record<string, unknown> | undefined;
    if (!adapter || typeof adapter.query !== 'function' || seen.has(adapter)) continue;
    seen.add(adapter);
    const query = adapter.query as (...a: unknown[]) => Promise<unknown>;
    statements[ns] = 0;
    adapter.query = (...a: unknown[]) => {
      statements[ns]++;
      return query.apply(adapter, a);
    };
  }
}

async function stats() {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuMs: round((cpu.user + cpu.system) / 1000, 0),
    rssMB: round(mem.rss / 2 ** 20, 1),
    heapMB: round(mem.heapUsed / 2 ** 20, 1),
    inboxPending: service ? await countKeys(service.store.kv.inbox) : 0,
    passes: JSON.parse(JSON.stringify(passes)) as typeof passes,
    statements: { ...statements },
    logged: { ...logged },
    lastErrors: [...lastErrors],
  };
}

serve({
  async start(args: { jiraUrl: string; baseline: boolean; storeUrl?: string; durableBaselines?: string }) {
    const configPath = writeCredgateConfig(dir.path);
    const storeUrl = args.storeUrl ?? `sqlite://${join(dir.path, 'store.sqlite')}`;
    const config = loadConfig(credgateEnv({ configPath, storeUrl, jiraUrl: args.jiraUrl }));
    const log = createLogger({ level: 'warn', secrets: config.secrets, destination: countingSink() });
    service = await createService({ config, log });
    countStatements(service);
    // The sweeps run at start and every scheduler.sweepInterval; they iterate stored keys.
    instrument(service.worker, 'sweep', 'worker.sweep');
    instrument(service.scheduler, 'restore', 'scheduler.restore');
    instrument(service.runner, 'sweep', 'runner.sweep');
    const port = await service.listen(0, '127.0.0.1');
    let baselinePort: number | undefined;
    if (args.baseline) {
      baseline = await new Promise<Server>((ok, fail) => {
        const s = baselineApp(SECRETS.webhookSecret, config.server.bodyLimitBytes).listen(0, '127.0.0.1', () => ok(s));
        s.once('error', fail);
      });
      const address = baseline.address();
      baselinePort = typeof address === 'object' && address ? address.port : undefined;
    }
    const durableUrls = args.durableBaselines
      ? await startDurableBaselines(config.server.bodyLimitBytes, args.durableBaselines)
      : undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      baselineUrl: baselinePort ? `http://127.0.0.1:${baselinePort}` : undefined,
      ...durableUrls,
    };
  },

  stats,

  /**
   * Diagnostic only: accepted deliveries stay in the inbox instead of being processed (the
   * worker's process() becomes a no-op), so a run measures the acknowledgement path alone.
   */
  pauseProcessing() {
    const worker = service!.worker as unknown as { process: (key: string) => Promise<void> };
    if (!pausedProcess) pausedProcess = worker.process;
    worker.process = async () => undefined;
    return true;
  },

  /**
   * Puts processing back, lets the worker's own sweep hand it the backlog, then hands over every
   * key listed beforehand (while nothing was being deleted) that the sweep's iteration missed.
   */
  async resumeProcessing() {
    const worker = service!.worker as unknown as {
      process: (key: string) => Promise<void>;
      sweep: () => Promise<number>;
      inbox: { keys: () => AsyncGenerator<string> };
    };
    const pending: string[] = [];
    for await (const key of worker.inbox.keys()) pending.push(key);
    if (pausedProcess) worker.process = pausedProcess;
    pausedProcess = undefined;
    const sweptBySweep = await worker.sweep();
    for (const key of pending) void worker.process(key);
    return { pending: pending.length, sweptBySweep };
  },

  /** Waits until the inbox is empty and nothing is in progress, or `timeoutMs` passed. */
  async drain(args: { timeoutMs: number }) {
    const t0 = performance.now();
    const end = Date.now() + args.timeoutMs;
    let pending = NaN;
    while (Date.now() < end) {
      pending = await countKeys(service!.store.kv.inbox);
      // Deliveries beyond the worker's queue wait for its periodic sweep; do not wait that long.
      const load = service!.worker.load();
      if (pending > 0 && load.active === 0 && load.queued === 0) await service!.worker.sweep();
      if (pending === 0) {
        const idle = await Promise.race([
          service!.idle().then(() => true),
          sleep(Math.max(0, end - Date.now())).then(() => false),
        ]);
        if (idle && (await countKeys(service!.store.kv.inbox)) === 0) break;
      }
      await sleep(200);
    }
    return { drainMs: round(performance.now() - t0, 0), ...(await stats()) };
  },

  async stop() {
    await Promise.race([service?.stop(), sleep(10_000)]);
    await new Promise<void>((ok) => (baseline ? baseline.close(() => ok()) : ok()));
    baseline?.closeAllConnections();
    await durableClose?.().catch(() => undefined);
    dir.remove();
    setImmediate(() => process.exit(0));
    return true;
  },
});
