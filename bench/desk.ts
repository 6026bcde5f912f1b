/**
 * Benchmark 5: the service-desk page's read paths on the embedded SQLite store. (a) The overview
 * (`GET /desk/api/overview`, and the HTML page) over thousands of stored requests, against a bare
 * pass over the same requests; (b) the audit search over 10,000 / 100,000 entries, first visit
 * and later visits, against a bare walk of the audit log. Runs in the orchestrating process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '../src/util/logger';
import { deskConfigSchema, deskRouter } from '../src/desk';
import { openStore, type Store } from '../src/store/open-store';
import { createAuditLog, type AuditLog } from '../src/audit/audit-log';
import type { CredentialRequest } from '../src/domain/request';
import { nullSink, percentile, round, tempDir } from './common';
import {
  appendThroughApi,
  BENCH_AUDIT_KEY,
  historyAudit,
  historyRequests,
  seedAudit,
  seedRequests,
  type HistoryShape,
} from './history';
import type { BenchResult, Row } from './report';
import { routerApp } from '../test/helpers/router-app';

export interface DeskSettings {
  /** Stored requests for the overview runs. */
  sizes: number[];
  /** Overview calls (and bare passes) per size, by size; the last value serves larger sizes. */
  rounds: number[];
  /** Audit entries for the search runs (the store of the first size, topped up in turn). */
  auditSizes: number[];
  /** First visits (each on a fresh desk, so its index starts empty) per audit size. */
  firstVisits: number;
  /** Later visits per audit size, each after `newPerVisit` entries were appended through the API. */
  laterVisits: number;
  newPerVisit: number;
}

const TOKEN = 'bench-desk-token-7f3a9c51e2d84b06';
/** The search a later visit repeats: the requester filter joins every entry to its request. */
const SEARCH = 'requester=acc-user7';

interface Desk {
  url: string;
  stop(): Promise<void>;
}

/** credgate's own app with the desk mounted, as the service mounts it, on a loopback port. */
async function startDesk(store: Store, audit: AuditLog, clock: () => Date): Promise<Desk> {
  const log = createLogger({ level: 'warn', destination: nullSink() });
  const config = deskConfigSchema.parse({ token: TOKEN });
  const app = routerApp({ routers: [deskRouter({ store, audit, clock, config, log })], log, clock });
  const server: Server = createServer(app);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

async function get(url: string, accept = 'application/json'): Promise<{ ms: number; status: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}`, accept } });
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, body };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const p = (xs: number[], q: number) => round(percentile(Float64Array.from(xs).sort(), q), 1);
const fmt = (n: number) => n.toLocaleString('en-US');

export async function benchDesk(s: DeskSettings): Promise<BenchResult> {
  const t0 = Date.now();
  const dir = tempDir('desk');
  const rows: Row[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = { settings: s };
  const floors: string[] = [];
  const now = Date.parse('2026-06-01T09:00:00.000Z');
  const clock = () => new Date(now);
  try {
    for (const [k, n] of s.sizes.entries()) {
      const rounds = s.rounds[Math.min(k, s.rounds.length - 1)];
      const shape: HistoryShape = { n, now, days: 180, accounts: 200, requesters: 300 };
      const store = await openStore(`sqlite://${join(dir.path, `desk-${n}.sqlite`)}`);
      const audit = createAuditLog(store.engine, BENCH_AUDIT_KEY);
      const docs = historyRequests(shape);
      const seedMs = await seedRequests(store, docs);
      const desk = await startDesk(store, audit, clock);
      try {
        const expected = {
          granted: docs.filter((d) => d.state === 'granted').length,
          pending: docs.filter((d) => d.state === 'pending-approval').length,
        };
        // Warm-up: the first call also builds the (empty) audit index and compiles the hot paths.
        await get(`${desk.url}/desk/api/overview`);
        const bare: number[] = [];
        const oneSelect: number[] = [];
        const api: number[] = [];
        const page: number[] = [];
        let apiBytes = 0;
        let pageBytes = 0;
        // Interleaved, so noise on the machine falls on both sides alike.
        for (let r = 0; r < rounds; r++) {
          bare.push(
            await timed(async () => {
              let seen = 0;
              for await (const _ of store.requests.all()) seen++;
              if (seen !== n) throw new Error(`bare pass saw ${seen} of ${n} requests`);
            }),
          );
          oneSelect.push(await timed(() => selectAndParse(store, n)));
          const a = await get(`${desk.url}/desk/api/overview`);
          const o = JSON.parse(a.body) as { activeGrants: unknown[]; pendingApprovals: unknown[] };
          if (
            a.status !== 200 ||
            o.activeGrants.length !== expected.granted ||
            o.pendingApprovals.length !== expected.pending
          ) {
            throw new Error(
              `overview answered ${a.status} with ${o.activeGrants?.length} grants / ${o.pendingApprovals?.length} pending, expected ${expected.granted} / ${expected.pending}`,
            );
          }
          api.push(a.ms);
          apiBytes = a.body.length;
          const h = await get(`${desk.url}/desk`, 'text/html');
          if (h.status !== 200 || !h.body.includes('id="audit"')) throw new Error(`desk page answered ${h.status}`);
          page.push(h.ms);
          pageBytes = h.body.length;
        }
        const label = `${fmt(n)} requests`;
        rows.push(
          { metric: `Overview API, ${label}, p50`, unit: 'ms', value: p(api, 50), baseline: p(bare, 50) },
          { metric: `Overview API, ${label}, p95`, unit: 'ms', value: p(api, 95), baseline: p(bare, 95) },
          { metric: `Desk HTML page, ${label}, p50`, unit: 'ms', value: p(page, 50), baseline: p(bare, 50) },
          { metric: `Desk HTML page, ${label}, p95`, unit: 'ms', value: p(page, 95), baseline: p(bare, 95) },
          {
            metric: `What-if, not shipped: one SELECT of the ${label} + JSON.parse, p50`,
            unit: 'ms',
            value: p(oneSelect, 50),
            baseline: p(bare, 50),
          },
        );
        notes.push(
          `${label}: seeded through the store's compare-and-swap in ${round(seedMs / 1000, 1)} s; ${rounds} calls of each kind (nearest-rank p95 of ${rounds} samples: the ${slowest(rounds)}); the overview lists ${fmt(expected.granted)} active grants and ${fmt(expected.pending)} pending approvals (${fmt(apiBytes)} bytes of JSON; the page ${fmt(pageBytes)} bytes of HTML).`,
        );
        floors.push(
          `${label}: ${p(bare, 50)} ms through keyv against ${p(oneSelect, 50)} ms for one SELECT and JSON.parse, the overview ${round(p(api, 50) - p(bare, 50), 1)} ms above the pass`,
        );
        raw[`overview-${n}`] = { seedMs, bare, oneSelect, api, page, apiBytes, pageBytes, expected };
        if (k === 0) await auditRuns(s, store, audit, docs, clock, rows, notes, raw, p(bare, 50));
      } finally {
        await desk.stop();
        await store.close();
      }
    }
    notes.unshift(
      'No target: measured. The baseline is what the overview cannot beat: it must read every stored request (keyv offers no query), so its floor is one pass of `store.requests.all()`. The overview adds sorting the rows into sections, the JSON or HTML of every active grant and pending approval, and HTTP on loopback (client and server in this process); it stays close to the pass, so the pass is what bounds it.',
      `What bounds the pass itself: keyv's SQLite iterator reads 1,000 rows a page with LIMIT/OFFSET (each page rescans the rows before it, and nests one more async generator), then awaits keyv's deserializer for every row; the what-if rows read the same rows with one SELECT and a plain JSON.parse: ${floors.join('; ')}.${keyvShare(raw, s.sizes)}${growthOf(raw, s.sizes)}`,
      `The audit search is bounded differently: a first visit must read the whole log once (pages of 200 records by keyv getMany) into the desk's in-memory index, so its floor is the bare walk; a later visit reads only the entries appended since, so it costs what the request pass costs (the overview is recomputed on every visit) plus one filter over the whole in-memory index (linear in the log's length, but no I/O).${laterGrowth(raw, s.auditSizes)}`,
    );
    return {
      id: 'desk',
      title: '5. Service-desk read paths',
      method: `The desk (\`deskRouter\` mounted on credgate's \`createApp\`, bearer token) over a fresh SQLite file store holding ${s.sizes.map(fmt).join(' and ')} requests in a spread of states over 180 days, seeded through the store API: \`GET /desk/api/overview\` and the HTML page \`GET /desk\`, against a bare \`for await (const r of store.requests.all())\` pass over the same store. Then the audit search (\`GET /desk?${SEARCH}\`, 50 entries a page) over ${s.auditSizes.map(fmt).join(' and ')} hash-chained audit entries in the ${fmt(s.sizes[0])}-request store: a first visit on a fresh desk, and later visits that each follow ${s.newPerVisit} new entries, against a bare \`audit.entries()\` walk.`,
      baselineName: 'bare store.requests.all() pass / audit.entries() walk',
      defaultTarget: 'no target, measured',
      status: 'ok',
      rows,
      notes,
      wallSeconds: (Date.now() - t0) / 1000,
      raw,
    };
  } finally {
    dir.remove();
  }
}

/** The audit search on the first size's store: first visits on fresh desks, later visits after appends. */
async function auditRuns(
  s: DeskSettings,
  store: Store,
  audit: AuditLog,
  docs: CredentialRequest[],
  clock: () => Date,
  rows: Row[],
  notes: string[],
  raw: Record<string, unknown>,
  requestPassMs: number,
): Promise<void> {
  const bodies = docs.flatMap(historyAudit);
  // Appended later through the API: a request the search matches, so each visit must show them.
  const watched = docs.find((d) => d.requester?.id === 'acc-user7') as CredentialRequest;
  let stored = 0;
  for (const size of s.auditSizes) {
    const seedStart = performance.now();
    const seeded = size - stored;
    stored = await seedAudit(store, bodies, seeded);
    const seedMs = performance.now() - seedStart;
    const walk: number[] = [];
    const first: number[] = [];
    let total = 0;
    for (let v = 0; v < s.firstVisits; v++) {
      walk.push(
        await timed(async () => {
          let seen = 0;
          for await (const _ of audit.entries()) seen++;
          if (seen !== stored) throw new Error(`bare walk saw ${seen} of ${stored} entries`);
        }),
      );
      const desk = await startDesk(store, audit, clock);
      try {
        const res = await get(`${desk.url}/desk?${SEARCH}`, 'text/html');
        if (res.status !== 200) throw new Error(`audit search answered ${res.status}`);
        first.push(res.ms);
        total = matching(res.body);
      } finally {
        await desk.stop();
      }
    }
    // Later visits: one desk, its index built by a first (untimed) visit, then new entries each time.
    const later: number[] = [];
    const desk = await startDesk(store, audit, clock);
    try {
      await get(`${desk.url}/desk?${SEARCH}`, 'text/html');
      for (let v = 0; v < s.laterVisits; v++) {
        await appendThroughApi(audit, watched, s.newPerVisit, `later-${size}-${v}`);
        const res = await get(`${desk.url}/desk?${SEARCH}`, 'text/html');
        const now = matching(res.body);
        if (res.status !== 200 || now !== total + (v + 1) * s.newPerVisit)
          throw new Error(
            `later visit ${v + 1} answered ${res.status} with ${now} matching entries, expected ${total + (v + 1) * s.newPerVisit}`,
          );
        later.push(res.ms);
      }
    } finally {
      await desk.stop();
    }
    const label = `${fmt(size)} audit entries`;
    rows.push(
      { metric: `Audit search, first visit, ${label}, p50`, unit: 'ms', value: p(first, 50), baseline: p(walk, 50) },
      {
        metric: `Audit search, later visit (${s.newPerVisit} new entries), ${label}, p50`,
        unit: 'ms',
        value: p(later, 50),
        baseline: p(walk, 50),
      },
      { metric: `Audit search, later visit, ${label}, p95`, unit: 'ms', value: p(later, 95), baseline: p(walk, 95) },
    );
    notes.push(
      `${label}: ${fmt(seeded)} chained in bulk exactly as AuditLog.append chains them (seeding ${round(seedMs / 1000, 1)} s, not timed)${size > seeded ? `, ${fmt(size - seeded)} appended through the API by the visits before` : ''}; then ${fmt(s.laterVisits * s.newPerVisit)} more through the API by the later visits; ${s.firstVisits} first visits on fresh desks (each interleaved with a bare walk), ${s.laterVisits} later visits; the search matched ${fmt(total)} entries at the first visit and each later visit showed its ${s.newPerVisit} new ones. The ${fmt(docs.length)}-request pass every visit also makes takes about ${requestPassMs} ms bare.`,
    );
    raw[`audit-${size}`] = { seedMs, walk, first, later, matching: total };
    stored += s.laterVisits * s.newPerVisit;
  }
}

/**
 * The requests read without keyv: one SELECT on the SQLite table behind the namespace and a plain
 * JSON.parse per row, to show how much of the bare pass is keyv's paging and deserialization.
 */
async function selectAndParse(store: Store, n: number): Promise<void> {
  const adapter = (
    store.engine.keyv('requests') as unknown as {
      store: { query(sql: string, ...p: unknown[]): Promise<{ value: string }[]>; opts: { table: string } };
    }
  ).store;
  const rows = await adapter.query(`SELECT value FROM ${adapter.opts.table} WHERE key LIKE ?`, 'requests:%');
  let seen = 0;
  for (const row of rows) if ((JSON.parse(row.value) as { value?: { id?: string } }).value?.id) seen++;
  if (seen !== n) throw new Error(`the SELECT saw ${seen} of ${n} requests`);
}

/** The share of the bare pass that keyv's paging and deserialization add, at the largest size. */
function keyvShare(raw: Record<string, unknown>, sizes: number[]): string {
  const o = raw[`overview-${sizes[sizes.length - 1]}`] as { bare: number[]; oneSelect: number[] };
  const share = 1 - p(o.oneSelect, 50) / p(o.bare, 50);
  return ` So at ${fmt(sizes[sizes.length - 1])} requests about ${Math.round(share * 100)} % of the floor is keyv's paging and per-row deserialization on top of what SQLite and JSON.parse cost.`;
}

/** How a later audit visit grew with the log, in words. */
function laterGrowth(raw: Record<string, unknown>, sizes: number[]): string {
  if (sizes.length < 2) return '';
  const [a, b] = [sizes[0], sizes[sizes.length - 1]];
  const later = (n: number) => p((raw[`audit-${n}`] as { later: number[] }).later, 50);
  const walk = (n: number) => p((raw[`audit-${n}`] as { walk: number[] }).walk, 50);
  return ` From ${fmt(a)} to ${fmt(b)} entries the later visit went from ${later(a)} to ${later(b)} ms, the bare walk from ${walk(a)} to ${walk(b)} ms.`;
}

/** How the bare pass grew from the first size to the last, in words. */
function growthOf(raw: Record<string, unknown>, sizes: number[]): string {
  if (sizes.length < 2) return '';
  const [a, b] = [sizes[0], sizes[sizes.length - 1]];
  const pass = (n: number) => p((raw[`overview-${n}`] as { bare: number[] }).bare, 50);
  return ` From ${fmt(a)} to ${fmt(b)} requests (${round(b / a, 1)}×) the pass took ${round(pass(b) / pass(a), 1)}× as long.`;
}

/** Which sample the nearest-rank p95 of `n` samples is, in words. */
function slowest(n: number): string {
  const k = n - Math.ceil(0.95 * n) + 1;
  return k === 1 ? 'slowest' : k === 2 ? 'second slowest' : `${k}th slowest`;
}

/** "N entries matching" from the page's audit section. */
function matching(html: string): number {
  const m = /([\d,]+) entr(?:y|ies) matching/.exec(html);
  if (!m) throw new Error('the desk page shows no audit match count');
  return Number(m[1].replace(/,/g, ''));
}
