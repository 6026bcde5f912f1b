/**
 * `npm run bench`: runs every benchmark once, each figure beside its baseline from the same run,
 * and writes bench/results.json (raw numbers) and bench/RESULTS.md (tables, targets, misses).
 *
 * Knobs (environment): BENCH_ONLY=ingest,e2e,scheduler,replicas,desk,review,grants,store (a partial run writes to
 * $BENCH_OUT or a temp dir, never over RESULTS.md), BENCH_DURATION (s per load run, default 10),
 * BENCH_RESTORE_CAP (s allowed to the 100k restore and iteration, default 30), BENCH_GRANTS_CAP (s
 * allowed to each phase of a grants run, default 2), BENCH_GRANTS_REDIS (the Redis database it empties),
 * BENCH_INGEST_REDIS (the Redis database the ingest benchmark empties: credgate on Redis and BullMQ).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envInt, machineInfo, otherProcessesBusy, round } from './common';
import { renderMarkdown, type BenchResult, type Results } from './report';
import { benchIngest } from './ingest';
import { benchEndToEnd } from './e2e';
import { benchScheduler } from './scheduler';
import { benchReplicas } from './replicas';
import { benchDesk } from './desk';
import { benchReview } from './review';
import { benchGrants } from './grants';
import { benchStore } from './store';

const duration = envInt('BENCH_DURATION', 10);
const settings = {
  ingest: {
    durationS: duration,
    connections: 10,
    rate: 500,
    tickets: 200,
    drainTimeoutS: 60,
    diagnosticS: Math.max(3, Math.round(duration / 2)),
    redisUrl: process.env.BENCH_INGEST_REDIS ?? 'redis://127.0.0.1:6379/13',
  },
  e2e: { durationS: duration, ratePerS: 20 },
  scheduler: { jobs: 100_000, capS: envInt('BENCH_RESTORE_CAP', 30), burst: 1_000 },
  replicas: {
    durationS: duration,
    connectionsPerInstance: 4,
    tickets: 300,
    drainTimeoutS: 60,
    warmupS: 2,
    warmupTickets: 60,
    stores: (process.env.BENCH_REPLICA_STORES ?? 'redis://127.0.0.1:6379/14,postgres://postgres@127.0.0.1:5432/test')
      .split(',')
      .filter(Boolean),
  },
  desk: {
    sizes: [3_000, 30_000],
    rounds: [20, 5],
    auditSizes: [10_000, 100_000],
    firstVisits: 3,
    laterVisits: 10,
    newPerVisit: 20,
  },
  review: { sizes: [3_000, 30_000], rounds: [5, 3] },
  grants: {
    n: 2_000,
    concurrency: 8,
    capS: envInt('BENCH_GRANTS_CAP', 2),
    redisUrl: process.env.BENCH_GRANTS_REDIS ?? 'redis://127.0.0.1:6379/14',
  },
  store: { sweepSizes: [10_000, 32_000, 125_000] },
};

const BENCHES: { id: string; title: string; run: () => Promise<BenchResult> }[] = [
  { id: 'ingest', title: '1. Signed Jira delivery ingest', run: () => benchIngest(settings.ingest) },
  { id: 'e2e', title: '2. End to end: delivery to comment', run: () => benchEndToEnd(settings.e2e) },
  { id: 'scheduler', title: '3. Scheduler', run: () => benchScheduler(settings.scheduler) },
  { id: 'replicas', title: '4. Three replicas on a shared store', run: () => benchReplicas(settings.replicas) },
  { id: 'desk', title: '5. Service-desk read paths', run: () => benchDesk(settings.desk) },
  { id: 'review', title: '6. Access review, dry run', run: () => benchReview(settings.review) },
  {
    id: 'grants',
    title: '7. Grant and revoke through the overlapping-grants ledger',
    run: () => benchGrants(settings.grants),
  },
  { id: 'store', title: '8. The store path: statements per delivery, sweeps', run: () => benchStore(settings.store) },
];

async function main(): Promise<void> {
  const t0 = Date.now();
  const only = process.env.BENCH_ONLY?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const outDir = only ? resolve(process.env.BENCH_OUT ?? join(tmpdir(), 'credgate-bench-partial')) : __dirname;
  const machine = machineInfo();
  const benchmarks: BenchResult[] = [];
  for (const b of BENCHES) {
    if (only && !only.includes(b.id)) continue;
    const started = Date.now();
    process.stdout.write(`[bench] ${b.title} ...\n`);
    const loadStart = round(loadavg()[0], 2);
    const others = otherProcessesBusy();
    let result: BenchResult;
    try {
      result = await b.run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`[bench] ${b.title} failed: ${err instanceof Error ? err.stack : message}\n`);
      result = {
        id: b.id,
        title: b.title,
        method: '',
        baselineName: '',
        status: 'error',
        reason: message.split('\n')[0],
        rows: [],
        notes: [],
        wallSeconds: (Date.now() - started) / 1000,
        raw: null,
      };
    }
    const used = others();
    result.load = {
      start: loadStart,
      end: round(loadavg()[0], 2),
      otherProcessesCpu: used?.other ?? null,
      storeServersCpu: used?.servers ?? null,
    };
    benchmarks.push(result);
    for (const r of result.rows) {
      const verdict = r.met === true ? 'met' : r.met === false ? 'MISSED' : '';
      process.stdout.write(
        `  ${r.metric}: ${r.value} ${r.unit} (baseline ${r.baseline}) ${r.target ? `target ${r.target} ${verdict}` : ''}\n`,
      );
    }
    if (result.status !== 'ok') process.stdout.write(`  ${result.status}: ${result.reason}\n`);
    for (const n of result.notes.filter((x) => x.startsWith('Not run'))) process.stdout.write(`  ${n}\n`);
    process.stdout.write(`  (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }
  const results: Results = {
    machine,
    command: only ? `BENCH_ONLY=${only.join(',')} npm run bench` : 'npm run bench',
    wallSeconds: (Date.now() - t0) / 1000,
    settings,
    benchmarks,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(outDir, 'RESULTS.md'), renderMarkdown(results));
  process.stdout.write(
    `[bench] wrote ${join(outDir, 'RESULTS.md')} and results.json (${Math.round(results.wallSeconds)} s)\n`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
