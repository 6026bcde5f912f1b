/**
 * Benchmark 4: three replicas against one, on a shared store (Redis, PostgreSQL). Each replica is a
 * separate process (`node --import tsx src/main.ts`) configured through the environment, all
 * reading tickets from one fake Jira in this process. Load: three autocannon instances in
 * parallel (in the load-generator child), one per replica — with one replica all three aim at it,
 * so the load generator is identical in both runs; throughput is their sum. Afterwards no ticket
 * may carry the same credgate comment twice (the `ref cg-…/N` footer): a duplicate is a doubled
 * effect.
 *
 * Availability: `openStore(url)` is tried first (10 s limit); if it throws, the store is reported
 * "not run: store not available" with the reason, and nothing else is attempted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createClient } from '@redis/client';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { openStore, type Store } from '../src/store/open-store';
import { Child } from './ipc';
import {
  REPO,
  SECRETS,
  STORE_SERVERS,
  countKeys,
  credgateRefs,
  duplicates,
  machineBusy,
  machineTotalMs,
  processCpuMs,
  processesByName,
  selfCpuMs,
  credgateEnv,
  newFakeJira,
  round,
  seedIssues,
  sleep,
  tempDir,
  writeCredgateConfig,
} from './common';
import type { LoadResult, LoadSpec } from './loadgen';
import { ratioOf, type BenchResult, type Row } from './report';
import type { FakeJira } from '../test/fakes/jira/fake-jira';

export interface ReplicaSettings {
  durationS: number;
  connectionsPerInstance: number;
  tickets: number;
  drainTimeoutS: number;
  /** Seconds and tickets of the warm-up before each measured run. */
  warmupS: number;
  warmupTickets: number;
  stores: string[];
}

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, fail) =>
      setTimeout(() => fail(new Error(`${what} did not finish within ${ms} ms`)), ms).unref(),
    ),
  ]);
}

/** Tries to open the store: the one test of availability. */
export async function storeAvailable(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const store = await withTimeout(openStore(url), 10_000, `openStore(${redact(url)})`);
    await store.close().catch(() => undefined);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n')[0] };
  }
}

/**
 * A fresh, empty store for one run, from a base URL (the fake's issue ids repeat from run to run,
 * so leftovers would change what credgate does): a new PostgreSQL schema (dropped afterwards), the
 * Redis database emptied (FLUSHDB: use a database nothing else uses), or a new SQLite file.
 */
async function freshStore(base: string): Promise<{ url: string; cleanup(): Promise<void> }> {
  const scheme = base.split(':', 1)[0];
  if (scheme === 'redis' || scheme === 'rediss') {
    const flush = async () => {
      const client = createClient({ url: base });
      await withTimeout(client.connect(), 10_000, `connecting to ${redact(base)}`);
      await client.flushDb();
      await client.quit();
    };
    await flush();
    return { url: base, cleanup: flush };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const schema = `cg_bench_${randomBytes(4).toString('hex')}`;
    const u = new URL(base);
    u.searchParams.set('schema', schema);
    const url = u.toString();
    return {
      url,
      async cleanup() {
        const store = await openStore(url).catch(() => null);
        const adapter = (
          store?.kv.inbox as unknown as { store?: { query?: (sql: string) => Promise<unknown> } } | undefined
        )?.store;
        await adapter?.query?.(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
        await store?.close().catch(() => undefined);
      },
    };
  }
  if (scheme === 'sqlite') {
    const dir = tempDir('replica-store');
    return { url: `sqlite://${dir.path}/store.sqlite`, cleanup: async () => dir.remove() };
  }
  return { url: base, cleanup: async () => undefined };
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

interface Replica {
  proc: ChildProcess;
  url: string;
  stderr: string[];
  warnings: number;
}

function startReplica(env: Record<string, string>, port: number): Replica {
  // BENCH_PROFILE=<dir>: CPU profiles of the replicas too.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Replica = { proc, url: `http://127.0.0.1:${port}`, stderr: [], warnings: 0 };
  proc.stdout?.on('data', (chunk: Buffer) => (r.warnings += chunk.toString().split('\n').filter(Boolean).length));
  proc.stderr?.on('data', (chunk: Buffer) => {
    r.stderr.push(chunk.toString());
    if (r.stderr.length > 20) r.stderr.shift();
  });
  return r;
}

async function waitHealthy(r: Replica, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (r.proc.exitCode !== null)
      throw new Error(`replica on ${r.url} exited (${r.proc.exitCode}): ${r.stderr.join('').slice(-500)}`);
    try {
      const res = await fetch(`${r.url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`replica on ${r.url} was not healthy within ${timeoutMs} ms`);
}

async function stopReplica(r: Replica): Promise<void> {
  if (r.proc.exitCode !== null || r.proc.signalCode !== null) return;
  const exited = new Promise<void>((ok) => r.proc.once('exit', () => ok()));
  r.proc.kill('SIGTERM');
  const timer = setTimeout(() => r.proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

interface RunResult {
  replicas: number;
  loads: LoadResult[];
  okPerSec: number;
  accepted: number;
  failed: number;
  p99MaxMs: number;
  drainMs: number;
  drained: boolean;
  /** Deliveries processed per second, from the start of the load until the inbox was empty. */
  processedPerSec: number;
  inboxLeft: number;
  ticketsCommented: number;
  doubledEffects: number;
  doubledExamples: string[];
  fakeRequests: number;
  /** Share of all cores in use, machine-wide, from the load's start until drained. */
  machineBusy: number | null;
  /** Shares of the machine's CPU (all cores, 0..1) from the load's start until drained, by who used it. */
  shares: { replicas: number; loadgenAndFake: number; storeServer: number; other: number } | null;
  /** CPU the replicas used from the load's start until drained, per processed delivery. */
  replicaCpuPerDeliveryUs: number | null;
  violations: string[];
  replicaWarnings: number;
}

function doubled(fake: FakeJira, keys: string[]): { count: number; examples: string[]; commented: number } {
  let count = 0;
  let commented = 0;
  const examples: string[] = [];
  for (const key of keys) {
    const refs = credgateRefs(fake, key);
    if (refs.length) commented++;
    const dup = duplicates(refs);
    count += dup.length;
    for (const ref of dup) if (examples.length < 5) examples.push(`${key} ${ref}`);
  }
  return { count, examples, commented };
}

const SERVER_NAMES = STORE_SERVERS;

/** Waits until the shared inbox is empty and the fake has seen no call for a second (or the cap). */
async function drain(
  store: Store,
  fake: FakeJira,
  from: number,
  capS: number,
): Promise<{ drained: boolean; left: number; quietSince: number }> {
  let left = NaN;
  let lastCount = -1;
  let quietSince = Date.now();
  while (Date.now() - from < capS * 1000) {
    left = await countKeys(store.kv.inbox).catch(() => NaN);
    if (fake.requests.length !== lastCount) {
      lastCount = fake.requests.length;
      quietSince = Date.now();
    }
    if (left === 0 && Date.now() - quietSince >= 1000) return { drained: true, left, quietSince };
    await sleep(250);
  }
  return { drained: false, left, quietSince };
}

async function runReplicas(url: string, n: number, s: ReplicaSettings, loadgen: Child): Promise<RunResult> {
  const fake = newFakeJira();
  const jiraUrl = await fake.start();
  const dir = tempDir('replicas');
  const replicas: Replica[] = [];
  const store = await openStore(url);
  try {
    const issues = await seedIssues(fake, s.tickets);
    // Tickets for the warm-up only, so the measured run still meets every one of its tickets first.
    const warmIssues = await seedIssues(fake, s.warmupTickets, 'Warm-up');
    const configPath = writeCredgateConfig(dir.path);
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      replicas.push(startReplica(credgateEnv({ configPath, storeUrl: url, jiraUrl, port }), port));
    }
    await Promise.all(replicas.map((r) => waitHealthy(r, 60_000)));

    const specs = (tickets: typeof issues, durationS: number): LoadSpec[] =>
      [0, 1, 2].map((i) => ({
        url: replicas[i % n].url,
        connections: s.connectionsPerInstance,
        durationS,
        issues: tickets,
        secret: SECRETS.webhookSecret,
      }));
    // Warm-up (JIT, connection pools) on its own tickets, drained before the measured run.
    await loadgen.call<LoadResult[]>('runMany', specs(warmIssues, s.warmupS), (s.warmupS + 60) * 1000);
    await drain(store, fake, Date.now(), s.drainTimeoutS);
    const t0 = Date.now();
    const req0 = fake.requests.length;
    const busy = machineBusy();
    const total0 = machineTotalMs();
    const cpu0 = replicas.reduce((a, r) => a + processCpuMs(r.proc.pid), 0);
    const ours0 = selfCpuMs() + processCpuMs(loadgen.pid);
    const servers0 = processesByName(SERVER_NAMES);
    const loads = await loadgen.call<LoadResult[]>('runMany', specs(issues, s.durationS), (s.durationS + 60) * 1000);
    const loadEnd = Date.now();
    const { drained, left, quietSince } = await drain(store, fake, loadEnd, s.drainTimeoutS);
    const drainEnd = drained ? quietSince : Date.now();
    const machine = busy();
    const cpu = replicas.reduce((a, r) => a + processCpuMs(r.proc.pid), 0) - cpu0;
    const ours = selfCpuMs() + processCpuMs(loadgen.pid) - ours0;
    let servers = 0;
    for (const [pid, ms] of processesByName(SERVER_NAMES)) servers += ms - (servers0.get(pid) ?? 0);
    const total = (machineTotalMs() ?? NaN) - (total0 ?? NaN);
    const shares =
      machine !== null && Number.isFinite(total) && total > 0 && Number.isFinite(cpu + ours)
        ? {
            replicas: round(cpu / total, 2),
            loadgenAndFake: round(ours / total, 2),
            storeServer: round(servers / total, 2),
            other: round(Math.max(0, machine - (cpu + ours + servers) / total), 2),
          }
        : null;
    const accepted = loads.reduce((a, l) => a + l.ok, 0);
    const processed = accepted - (Number.isFinite(left) ? left : 0);
    const d = doubled(
      fake,
      issues.map((i) => i.key),
    );
    const dWarm = doubled(
      fake,
      warmIssues.map((i) => i.key),
    );
    return {
      replicas: n,
      loads,
      okPerSec: round(
        loads.reduce((a, l) => a + l.okPerSec, 0),
        1,
      ),
      accepted,
      failed: loads.reduce((a, l) => a + l.non2xx + l.errors + l.timeouts, 0),
      p99MaxMs: Math.max(...loads.map((l) => l.autocannon.p99)),
      drainMs: drainEnd - loadEnd,
      drained,
      processedPerSec: round(processed / ((drainEnd - t0) / 1000), 1),
      machineBusy: machine,
      shares,
      replicaCpuPerDeliveryUs: Number.isFinite(cpu) && processed > 0 ? round((cpu * 1000) / processed, 0) : null,
      inboxLeft: left,
      ticketsCommented: d.commented,
      doubledEffects: d.count + dWarm.count,
      doubledExamples: [...d.examples, ...dWarm.examples],
      fakeRequests: fake.requests.length - req0,
      violations: fake.violations.slice(0, 10),
      replicaWarnings: replicas.reduce((a, r) => a + r.warnings, 0),
    };
  } finally {
    await Promise.all(replicas.map(stopReplica));
    await store.close().catch(() => undefined);
    await fake.stop();
    dir.remove();
  }
}

export async function benchReplicas(s: ReplicaSettings): Promise<BenchResult> {
  const t0 = Date.now();
  const rows: Row[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = { settings: s };
  const unavailable: string[] = [];
  let loadgen: Child | undefined;
  try {
    for (const url of s.stores) {
      const name = url.split(':', 1)[0];
      let fresh: { url: string; cleanup(): Promise<void> } | undefined;
      let available: { ok: true } | { ok: false; reason: string };
      try {
        fresh = await freshStore(url);
        available = await storeAvailable(fresh.url);
      } catch (err) {
        available = { ok: false, reason: (err as Error).message.split('\n')[0] };
      }
      await fresh?.cleanup().catch(() => undefined);
      if (!available.ok) {
        unavailable.push(`${redact(url)}: ${available.reason}`);
        raw[name] = { status: 'not run: store not available', reason: available.reason };
        continue;
      }
      loadgen ??= Child.start('bench/loadgen.ts', 'loadgen');
      const run = async (n: number) => {
        const store = await freshStore(url);
        try {
          return await runReplicas(store.url, n, s, loadgen!);
        } finally {
          await store.cleanup().catch(() => undefined);
        }
      };
      const one = await run(1);
      const three = await run(3);
      raw[name] = { one, three };
      const thr = ratioOf(three.okPerSec, one.okPerSec);
      const proc = ratioOf(three.processedPerSec, one.processedPerSec);
      const label = `${name} (${redact(url)})`;
      const thrRow: Row = {
        metric: `${label}: deliveries acknowledged, 3 replicas vs 1`,
        unit: '2xx req/s',
        value: three.okPerSec,
        baseline: one.okPerSec,
        target: '≥ 1.5× one replica',
        met: thr !== null && thr >= 1.5 && three.failed === 0,
      };
      const procRow: Row = {
        metric: `${label}: deliveries processed (load start → inbox empty), 3 vs 1`,
        unit: 'deliveries/s',
        value: three.processedPerSec,
        baseline: one.processedPerSec,
        target: '≥ 1.5× one replica',
        met: proc !== null && proc >= 1.5 && three.drained,
      };
      const dblRow: Row = {
        metric: `${label}: doubled effects (same comment ref twice on a ticket)`,
        unit: 'count',
        value: three.doubledEffects,
        baseline: one.doubledEffects,
        ratio: null,
        target: '0',
        met: three.doubledEffects === 0 && one.doubledEffects === 0,
      };
      const covRow: Row = {
        metric: `${label}: tickets with a credgate comment / tickets`,
        unit: 'count',
        value: `${three.ticketsCommented} / ${s.tickets}`,
        baseline: `${one.ticketsCommented} / ${s.tickets}`,
        ratio: null,
      };
      const cpuRow: Row = {
        metric: `${label}: replica CPU per processed delivery (all replicas, load start → drained)`,
        unit: 'µs',
        value: three.replicaCpuPerDeliveryUs,
        baseline: one.replicaCpuPerDeliveryUs,
      };
      const busyRow: Row = {
        metric: `${label}: machine CPU in use, load start → drained (all cores)`,
        unit: '%',
        value: three.machineBusy === null ? null : Math.round(three.machineBusy * 100),
        baseline: one.machineBusy === null ? null : Math.round(one.machineBusy * 100),
      };
      const p99Row: Row = {
        metric: `${label}: ack p99, worst of the three autocannon instances`,
        unit: 'ms',
        value: three.p99MaxMs,
        baseline: one.p99MaxMs,
      };
      const pctOf = (x: number | null) => (x === null ? '?' : `${Math.round(x * 100)} %`);
      const who = (r: RunResult) =>
        r.shares
          ? ` (replicas ${pctOf(r.shares.replicas)}, load generator and fake Jira ${pctOf(r.shares.loadgenAndFake)}, the ${name} server ${pctOf(r.shares.storeServer)}, processes outside the benchmark ${pctOf(r.shares.other)})`
          : '';
      const bound =
        `With one replica the machine's ${cpus().length} cores were already ${pctOf(one.machineBusy)} busy${who(one)}, leaving ${one.machineBusy === null ? '?' : `${Math.round((1 - one.machineBusy) * 100)} %`} of the machine idle for two more replicas to use; ` +
        `with three they were ${pctOf(three.machineBusy)} busy${who(three)} and each processed delivery cost ${three.replicaCpuPerDeliveryUs ?? '?'} µs of replica CPU against ${one.replicaCpuPerDeliveryUs ?? '?'} µs with one ` +
        `(three event loops with their own sweeps, lease renewals and store connections, competing for the same cores and racing for the same tickets). ` +
        `The target needs cores to spare: one host per replica, or more cores than replicas plus load generator and store.`;
      if (!thrRow.met)
        thrRow.explain = `${thr}×${three.failed ? ` (${three.failed} failed requests with 3 replicas)` : ''}. ${bound}`;
      if (!procRow.met)
        procRow.explain = `${proc}×${three.drained ? '' : ` (the inbox was not empty ${s.drainTimeoutS} s after the load: ${three.inboxLeft} left)`}. Same bound as acknowledgements: each replica processes what it acknowledges, on the same cores.`;
      if (!dblRow.met)
        dblRow.explain = `${three.doubledEffects} doubled with 3 replicas (${one.doubledEffects} with 1), e.g. ${[...three.doubledExamples, ...one.doubledExamples].slice(0, 3).join(', ')}.`;
      rows.push(thrRow, procRow, dblRow, covRow, p99Row, cpuRow, busyRow);
      notes.push(
        `${label}: 1 replica ${one.accepted.toLocaleString('en-US')} deliveries accepted, drained ${round(one.drainMs / 1000, 1)} s after the load; 3 replicas ${three.accepted.toLocaleString('en-US')} accepted, drained ${round(three.drainMs / 1000, 1)} s after; ` +
          `REST calls to the fake ${one.fakeRequests.toLocaleString('en-US')} / ${three.fakeRequests.toLocaleString('en-US')}; log lines at warn or above ${one.replicaWarnings} / ${three.replicaWarnings}; contract violations ${one.violations.length} / ${three.violations.length}.`,
      );
    }
  } finally {
    await loadgen?.stop();
  }
  const ran = rows.length > 0;
  if (unavailable.length) notes.unshift(...unavailable.map((u) => `Not run: store not available — ${u}`));
  notes.push(
    `Method: each run gets a fresh store (Redis: the bench database emptied with FLUSHDB before and after; PostgreSQL: a new schema, dropped afterwards); ${s.tickets} tickets are filed in a fresh fake Jira without webhooks; replicas are \`node --import tsx src/main.ts\` with PORT, CREDGATE_STORE, CREDGATE_CONFIG, CREDGATE_POLICY and JIRA_* in the environment, logs at warn; load is three autocannon instances in parallel (${s.connectionsPerInstance} connections each, ${s.durationS} s), one per replica, summed — no proxy in front. ` +
      `Every ticket gets deliveries through every replica (round robin over tickets in each instance), so replicas race on the same tickets. Before each measured run, a ${s.warmupS} s warm-up on ${s.warmupTickets} other tickets, drained; doubled effects are counted on both sets of tickets.`,
    'Availability: the benchmark calls `openStore(url)` (10 s limit) on a fresh store and reports "not run: store not available" with the error when that (or preparing the fresh store) throws; nothing else is attempted for that store.',
  );
  return {
    id: 'replicas',
    title: '4. Three replicas on a shared store',
    method:
      'Deliveries acknowledged and processed per second by three credgate replicas sharing a Redis or PostgreSQL store, against one replica on the same store with the same load generator; and, after draining, the number of doubled effects (a credgate comment posted twice).',
    baselineName: 'one replica, same store',
    status: ran ? 'ok' : 'not run',
    ...(ran ? {} : { reason: `store not available (${unavailable.join('; ')})` }),
    rows,
    notes,
    wallSeconds: (Date.now() - t0) / 1000,
    raw,
  };
}
