/**
 * Benchmark 3: the scheduler. (a) 100,000 pending revocations restored at start, against iterating
 * the same stored entries; (b) 1,000 revocations due in the same instant, against 1,000 setTimeouts.
 * Every probe runs in a fresh child process (bench/scheduler-child.ts).
 */
import { join } from 'node:path';
import { Child, type Note } from './ipc';
import { round, tempDir } from './common';
import type { BenchResult, Row } from './report';

export interface SchedulerSettings {
  jobs: number;
  /** Seconds allowed to the restore and to the iteration before the child is stopped. */
  capS: number;
  burst: number;
}

/** What restore and iterate answer: `failed` when the scan threw (then `seen` entries were read). */
interface ScanOut {
  failed?: string;
  ms: number;
  n?: number;
  seen?: number;
  armed?: number;
  rssBeforeMB?: number;
  rssAfterMB: number;
  heapUsedMB?: number;
  /** Rows per page of keyv's SQLite iterator in the store as credgate opens it. */
  pageRows?: number | null;
}

interface Probe<T> {
  result?: T;
  /** When the cap stopped it: the last progress note. */
  cappedAt?: { seen: number; ms: number; rssMB: number };
  progress: { seen: number; ms: number; rssMB: number }[];
  error?: string;
}

async function probe<T>(cmd: string, args: unknown, capMs: number): Promise<Probe<T>> {
  const child = Child.start('bench/scheduler-child.ts', `scheduler ${cmd}`, { stderr: 'ignore' });
  const progress: Probe<T>['progress'] = [];
  child.onNote((n: Note) => {
    if (n.note === 'progress') progress.push({ seen: Number(n.seen), ms: Number(n.ms), rssMB: Number(n.rssMB) });
  });
  try {
    const result = await child.call<T>(cmd, args, capMs);
    return { result, progress };
  } catch (err) {
    const message = (err as Error).message;
    if (/did not answer within/.test(message))
      return { cappedAt: progress[progress.length - 1] ?? { seen: 0, ms: capMs, rssMB: NaN }, progress };
    return { error: message, progress };
  } finally {
    await child.kill();
  }
}

/** Least-squares fit of t = a·n² + b·n through the progress points; the time predicted for `n`. */
function extrapolate(points: { seen: number; ms: number }[], n: number): number | null {
  const pts = points.filter((p) => p.seen > 0);
  if (pts.length < 3) return null;
  let s11 = 0,
    s12 = 0,
    s22 = 0,
    y1 = 0,
    y2 = 0; // x1 = n², x2 = n
  for (const p of pts) {
    const x1 = p.seen ** 2,
      x2 = p.seen;
    s11 += x1 * x1;
    s12 += x1 * x2;
    s22 += x2 * x2;
    y1 += x1 * p.ms;
    y2 += x2 * p.ms;
  }
  const det = s11 * s22 - s12 * s12;
  if (!det) return null;
  const a = (y1 * s22 - y2 * s12) / det;
  const b = (s11 * y2 - s12 * y1) / det;
  return a * n * n + b * n;
}

const secs = (ms: number) => round(ms / 1000, 2);

export async function benchScheduler(s: SchedulerSettings): Promise<BenchResult> {
  const t0 = Date.now();
  const dir = tempDir('scheduler');
  const capMs = s.capS * 1000;
  try {
    const file = join(dir.path, 'bench.sqlite');
    // Pending revocations due from 1 minute to 8 hours from now (the shipped policy's low-risk maximum), evenly spread.
    const seedSpec = { file, n: s.jobs, fromMs: 60_000, spreadMs: 8 * 3_600_000 };
    const seed = await probe<{ ms: number; method: string; stored: number }>('seed', seedSpec, 300_000);
    if (!seed.result) throw new Error(`seeding failed: ${seed.error ?? 'timed out'}`);

    const restore = await probe<ScanOut>('restore', { file }, capMs);
    const iterate = await probe<ScanOut>('iterate', { file }, capMs);
    // What-if (not credgate's configuration): the same with keyv's SQLite iterator paging 1,000
    // rows at a time — only when credgate's store pages fewer.
    const shippedPage = restore.result?.pageRows ?? null;
    const whatIf = shippedPage !== null && shippedPage < 1000;
    const skipped: Probe<ScanOut> = { progress: [], error: 'not run' };
    const restoreWide = whatIf ? await probe<ScanOut>('restore', { file, iterationLimit: 1000 }, capMs) : skipped;
    const iterateWide = whatIf ? await probe<ScanOut>('iterate', { file, iterationLimit: 1000 }, capMs) : skipped;

    const burst = await probe<{
      fired: number;
      lag: { p50: number; p99: number; max: number };
      scheduleMs: number;
      armedBeforeDue: boolean;
      leftInStoreAfter1s: number;
    }>('burst', { file: join(dir.path, 'burst.sqlite'), n: s.burst, leadMs: 3_000 }, 60_000);
    const timers = await probe<{ fired: number; lag: { p50: number; p99: number; max: number } }>(
      'timers',
      { n: s.burst, leadMs: 3_000 },
      60_000,
    );

    const of = `of ${s.jobs.toLocaleString('en-US')}`;
    const done = (p: Probe<ScanOut>) => (p.result && !p.result.failed ? p.result : undefined);
    const timeCell = (p: Probe<ScanOut>): number | string => {
      if (done(p)) return secs(p.result!.ms);
      if (p.result?.failed)
        return `failed after ${p.result.seen!.toLocaleString('en-US')} ${of} read (${secs(p.result.ms)} s): ${p.result.failed}`;
      if (p.cappedAt) return `> ${s.capS} (${p.cappedAt.seen.toLocaleString('en-US')} ${of} read)`;
      return `error: ${p.error ?? '?'}`;
    };
    const rssCell = (p: Probe<ScanOut>): number | string | null => {
      if (done(p)) return p.result!.rssAfterMB;
      if (p.result?.failed) return `${p.result.rssAfterMB} at the failure`;
      if (p.cappedAt) return `${p.cappedAt.rssMB} at the cap`;
      return null;
    };
    const rssReached = restore.result?.rssAfterMB ?? restore.cappedAt?.rssMB;
    const predicted = restore.cappedAt ? extrapolate(restore.progress, s.jobs) : null;
    const predictedIter = iterate.cappedAt ? extrapolate(iterate.progress, s.jobs) : null;
    const restoreMet = done(restore) ? restore.result!.ms < 5_000 : false;
    const rssMet = done(restore)
      ? restore.result!.rssAfterMB < 300
      : rssReached !== undefined && rssReached >= 300
        ? false
        : null;
    const lagP99 = burst.result?.lag.p99;

    const rows: Row[] = [
      {
        metric: `Restore of ${s.jobs.toLocaleString('en-US')} pending revocations`,
        unit: 's',
        value: timeCell(restore),
        baseline: timeCell(iterate),
        target: '< 5 s',
        met: restoreMet,
      },
      {
        metric: 'Resident memory after restore',
        unit: 'MB',
        value: rssCell(restore),
        baseline: rssCell(iterate),
        target: '< 300 MB',
        met: rssMet,
      },
      {
        metric: 'Jobs armed by the restore (later ones wait for a sweep)',
        unit: 'count',
        value: done(restore)?.armed ?? null,
        baseline: 0,
      },
      ...(predicted !== null || predictedIter !== null
        ? [
            {
              metric: `Predicted time for all ${s.jobs.toLocaleString('en-US')} (quadratic fit of the progress)`,
              unit: 's',
              value: predicted === null ? null : secs(predicted),
              baseline: predictedIter === null ? null : secs(predictedIter),
            },
          ]
        : []),
      ...(whatIf
        ? [
            {
              metric: 'What-if, not shipped: restore with keyv-sqlite iterationLimit 1000',
              unit: 's',
              value: timeCell(restoreWide),
              baseline: timeCell(iterateWide),
            },
            {
              metric: 'What-if: resident memory after that restore',
              unit: 'MB',
              value: rssCell(restoreWide),
              baseline: rssCell(iterateWide),
            },
            {
              metric: 'What-if: jobs armed by that restore',
              unit: 'count',
              value: done(restoreWide)?.armed ?? null,
              baseline: 0,
            },
          ]
        : []),
      {
        metric: `Lag of ${s.burst.toLocaleString('en-US')} revocations due at one instant, p50`,
        unit: 'ms',
        value: burst.result?.lag.p50 ?? null,
        baseline: timers.result?.lag.p50 ?? null,
      },
      {
        metric: `Lag of ${s.burst.toLocaleString('en-US')} revocations due at one instant, p99`,
        unit: 'ms',
        value: lagP99 ?? null,
        baseline: timers.result?.lag.p99 ?? null,
        target: '< 1000 ms',
        met:
          lagP99 !== undefined && burst.result!.fired === s.burst && burst.result!.armedBeforeDue
            ? lagP99 < 1000
            : false,
      },
      {
        metric: `Lag of ${s.burst.toLocaleString('en-US')} revocations due at one instant, max`,
        unit: 'ms',
        value: burst.result?.lag.max ?? null,
        baseline: timers.result?.lag.max ?? null,
      },
      {
        metric: `Time to schedule the ${s.burst.toLocaleString('en-US')} jobs (store write + arm, concurrently)`,
        unit: 'ms',
        value: burst.result?.scheduleMs ?? null,
        baseline: null,
      },
    ];

    const rate = (p: Probe<ScanOut>) => {
      const pts = p.progress.filter((x) => x.seen > 0);
      if (pts.length < 3) return '';
      const a = pts[0];
      const [y, z] = pts.slice(-2);
      return ` (read rate ${round(a.seen / (a.ms / 1000), 0).toLocaleString('en-US')} entries/s in the first second, ${round((z.seen - y.seen) / ((z.ms - y.ms) / 1000), 0).toLocaleString('en-US')} entries/s in the last)`;
    };
    const wide = !whatIf
      ? 'not tried (the store already pages 1,000 rows or more)'
      : done(restoreWide)
        ? `${secs(restoreWide.result!.ms)} s and ${restoreWide.result!.rssAfterMB} MB`
        : `no better (${timeCell(restoreWide)})`;
    const iteratorCause =
      "keyv's SQLite adapter (@keyv/sqlite 4.0.8, `iterator`) reads 10 rows per page with LIMIT/OFFSET and continues with `yield* iterate(...)` for the next page, so reading n entries nests n/10 async generators: every entry passes through all the outer ones and every page rescans the rows before it (O(n²)), and the nesting overflows the stack at a few tens of thousands of entries";
    if (!restoreMet) {
      if (restore.result?.failed) {
        rows[0].explain =
          `Scheduler.restore() (src/scheduler/scheduler.ts) threw \`${restore.result.failed}\` after reading ${restore.result.seen!.toLocaleString('en-US')} ${of} entries in ${secs(restore.result.ms)} s${rate(restore)}; the bare iteration ${iterate.result?.failed ? `failed the same way after ${iterate.result.seen!.toLocaleString('en-US')}` : `took ${timeCell(iterate)}`}. ` +
          `The cause is the store's iterator, not the arming: ${iteratorCause}. With the adapter paging 1,000 rows (what-if rows) the same restore took ${wide}. ` +
          'credgate awaits this restore in listen() and in every periodic sweep (src/service.ts), so a store holding that many jobs stops credgate from starting.';
      } else if (restore.cappedAt) {
        rows[0].explain = `Neither finished within the ${s.capS} s cap${rate(restore)}: ${iteratorCause}. The bound is the iterator, not the arming: with the adapter paging 1,000 rows the same restore took ${wide}.`;
      } else if (done(restore)) {
        rows[0].explain = `The restore took ${secs(restore.result!.ms)} s against ${timeCell(iterate)} s to iterate the same entries without arming anything.`;
      } else {
        rows[0].explain = `The restore probe failed: ${restore.error ?? 'unknown error'}.`;
      }
    }
    if (rows[1].met === false) {
      rows[1].explain = done(restore)
        ? `Resident memory reached ${restore.result!.rssAfterMB} MB with ${restore.result!.armed} jobs armed (the bare iteration: ${rssCell(iterate)} MB).`
        : `Resident memory had reached ${rssReached} MB when the restore stopped.`;
    }
    const lagRow = rows.find((r) => r.target === '< 1000 ms');
    if (lagRow && !lagRow.met) {
      lagRow.explain = burst.result
        ? `${burst.result.fired} of ${s.burst} fired; p99 lag ${lagP99} ms against ${timers.result?.lag.p99} ms for plain timers${burst.result.armedBeforeDue ? '' : '; scheduling took longer than the 3 s lead, so some were armed late'}. ` +
          'node-schedule 2.1.1 keeps one timer for its earliest invocation and, after firing it, arms a new `setTimeout` for the next one (`currentInvocationFinished` → `prepareNextInvocation` in lib/Invocation.js); Node clamps a 0 ms timeout to 1 ms, so jobs due at the same instant fire about one per millisecond, one per event-loop turn, interleaved with the store reads and deletes each firing starts. ' +
          `The lag therefore grows linearly with the number of jobs due together (~${round(burst.result.lag.max / s.burst, 2)} ms per job here), bounded by the timer clamp, not by the CPU.`
        : `The burst probe failed: ${burst.error ?? 'timed out'}.`;
    }
    const notes = [
      `Seeding: ${s.jobs.toLocaleString('en-US')} jobs (keys \`cg-…:expiry\`, values {requestId, timer, at}, due evenly from 1 minute to 8 hours ahead) written into a fresh SQLite store opened with openStore('sqlite://…') in ${secs(seed.result.ms)} s via ${seed.result.method === 'sqlite-bulk' ? "multi-row INSERTs in one transaction on keyv's adapter, in keyv's serialization (one entry read back through keyv to check)" : 'keyv set()'}; ${seed.result.stored.toLocaleString('en-US')} stored.`,
      `Restore: \`new Scheduler({ jobs: store.kv.jobs, onDue, log }).restore()\` in a fresh child process (constructor defaults, so the scheduler's own horizon decides what is armed now); baseline: \`for await (… of store.kv.jobs.iterator())\` arming nothing, also in a fresh child. Both are stopped at ${s.capS} s (BENCH_RESTORE_CAP); progress is sampled every second through a counting wrapper around the iterator, the same wrapper on both sides.`,
      shippedPage === null
        ? "The jobs namespace is not on keyv's SQLite adapter here."
        : `keyv's SQLite adapter, as credgate opens it (src/store/engines/local-engine.ts), reads ${shippedPage.toLocaleString('en-US')} rows per page of its iterator${whatIf ? '; the what-if rows show the same scans with 1,000-row pages' : ''}.`,
      `Resident memory: \`process.memoryUsage().rss\` right after the restore resolves (before it: ${restore.result?.rssBeforeMB ?? restoreWide.result?.rssBeforeMB ?? '?'} MB with the store open).`,
      `Burst: ${s.burst.toLocaleString('en-US')} jobs scheduled through \`Scheduler.schedule\` (store write, then node-schedule) all due at the same instant 3 s ahead, onDue recording \`Date.now() - at\`; baseline: ${s.burst.toLocaleString('en-US')} plain setTimeout timers due at one instant, in a fresh process. ${burst.result ? `${burst.result.leftInStoreAfter1s} jobs were still stored 1 s after the burst (each is deleted after its onDue).` : ''}`,
      'The scheduler also runs restore() in every periodic sweep (scheduler.sweepInterval, 30 s by default) to arm jobs another replica stored or that came within the horizon, so the restore time above is paid again on every sweep, not only at start.',
    ];
    return {
      id: 'scheduler',
      title: '3. Scheduler',
      method: `(a) ${s.jobs.toLocaleString('en-US')} pending revocations in a fresh SQLite store, restored by the Scheduler in a fresh process, against iterating the same entries without arming anything. (b) ${s.burst.toLocaleString('en-US')} revocations due in the same instant, against ${s.burst.toLocaleString('en-US')} plain setTimeout timers due together.`,
      baselineName: '(a) bare kv.jobs.iterator(); (b) plain setTimeout',
      status: 'ok',
      rows,
      notes,
      wallSeconds: (Date.now() - t0) / 1000,
      raw: { settings: s, seed, restore, iterate, restoreWide, iterateWide, burst, timers },
    };
  } finally {
    dir.remove();
  }
}
