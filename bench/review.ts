/**
 * Benchmark 6: a periodic access review, dry run (`runReview({ dryRun: true })`: collect from the
 * stored history, inspect accounts, render the HTML report), over thousands of stored requests and
 * their audit entries, against reading the same requests and entries alone. In process.
 */
import { join } from 'node:path';
import { openStore } from '../src/store/open-store';
import { createAuditLog, type AuditEntry } from '../src/audit/audit-log';
import { createLogger } from '../src/util/logger';
import { loadPolicy } from '../src/policy/policy';
import { createBuiltinProvider } from '../src/providers/builtin-provider';
import { createReviewJob } from '../src/review';
import { collectReview } from '../src/review/collect';
import { knownAccounts, purgeCandidates } from '../src/review/account-findings';
import { createReportRenderer } from '../src/review/report-html';
import type { CredentialRequest } from '../src/domain/request';
import { nullSink, percentile, POLICY_PATH, round, tempDir } from './common';
import { BENCH_AUDIT_KEY, historyAudit, historyRequests, seedAudit, seedRequests } from './history';
import type { BenchResult, Row } from './report';

export interface ReviewSettings {
  /** Stored requests per run; each comes with its audit entries (2 to 5 a request). */
  sizes: number[];
  /** Dry runs (and bare reads) per size, by size; the last value serves larger sizes. */
  rounds: number[];
}

const p50 = (xs: number[]) => round(percentile(Float64Array.from(xs).sort(), 50), 1);
const fmt = (n: number) => n.toLocaleString('en-US');

export async function benchReview(s: ReviewSettings): Promise<BenchResult> {
  const t0 = Date.now();
  const dir = tempDir('review');
  const rows: Row[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = { settings: s };
  const now = Date.parse('2026-06-01T09:00:00.000Z');
  const clock = () => new Date(now);
  const policy = loadPolicy(POLICY_PATH);
  const log = createLogger({ level: 'warn', destination: nullSink() });
  try {
    for (const [k, n] of s.sizes.entries()) {
      const rounds = s.rounds[Math.min(k, s.rounds.length - 1)];
      const store = await openStore(`sqlite://${join(dir.path, `review-${n}.sqlite`)}`);
      try {
        const audit = createAuditLog(store.engine, BENCH_AUDIT_KEY);
        const docs = historyRequests({ n, now, days: 180, accounts: 200, requesters: 300 });
        const seedMs = await seedRequests(store, docs);
        const bodies = docs.flatMap(historyAudit);
        await seedAudit(store, bodies, bodies.length);
        const provider = createBuiltinProvider(store.kv.grants, clock);
        const job = createReviewJob({
          store,
          audit,
          connectors: new Map(),
          policy: () => policy,
          providerFor: () => provider,
          log,
          clock,
        });

        const bare: number[] = [];
        const dry: number[] = [];
        let html = '';
        let figures = { requests: 0, candidates: 0, activeGrants: 0, revocations: 0 };
        let read: { requests: CredentialRequest[]; audit: AuditEntry[] } = { requests: [], audit: [] };
        for (let r = 0; r < rounds; r++) {
          // The collection's own I/O: every request and every audit entry into memory, as runReview reads them.
          let t = performance.now();
          const requests: CredentialRequest[] = [];
          for await (const x of store.requests.all()) requests.push(x);
          const entries: AuditEntry[] = [];
          for await (const e of audit.entries()) entries.push(e);
          bare.push(performance.now() - t);
          if (requests.length !== n || entries.length !== bodies.length)
            throw new Error(`bare read saw ${requests.length} requests and ${entries.length} entries`);
          read = { requests, audit: entries };

          t = performance.now();
          const outcome = await job.runReview({ dryRun: true });
          dry.push(performance.now() - t);
          if (!outcome.dryRun || !outcome.summary || !outcome.html)
            throw new Error('the dry run returned no summary or report');
          html = outcome.html;
          figures = {
            requests: outcome.summary.totals.requests,
            candidates: outcome.summary.candidates.length,
            activeGrants: outcome.summary.activeGrants.length,
            revocations: outcome.summary.revocations.rows.length,
          };
        }
        if (figures.requests !== n)
          throw new Error(`the review counted ${figures.requests} of ${n} requests in its period`);

        // Where the time goes, once, outside the timed runs: the pure collection and the rendering.
        let t = performance.now();
        const accounts = knownAccounts(read.requests).map(({ latest: _l, ...a }) => ({
          ...a,
          state: null,
          stateNote: 'provider builtin cannot inspect accounts',
        }));
        const summary = collectReview({
          requests: read.requests,
          audit: read.audit,
          accounts,
          period: { id: 'bench', since: read.requests.map((r) => r.createdAt).sort()[0], until: clock().toISOString() },
          now: clock(),
          staleAfterDays: policy.document.review?.staleAfterDays ?? 30,
        });
        const collectMs = performance.now() - t;
        t = performance.now();
        purgeCandidates(accounts, read.requests, clock(), policy.document.review?.staleAfterDays ?? 30);
        const purgeMs = performance.now() - t;
        const renderer = createReportRenderer();
        t = performance.now();
        const rendered = renderer.render(summary, { policy: policy.document.review! });
        const renderMs = performance.now() - t;

        const bytes = Buffer.byteLength(html, 'utf8');
        const label = `${fmt(n)} requests, ${fmt(bodies.length)} audit entries`;
        rows.push(
          { metric: `Dry-run review, ${label}, p50`, unit: 'ms', value: p50(dry), baseline: p50(bare) },
          { metric: `Report HTML size, ${fmt(n)} requests`, unit: 'KB', value: round(bytes / 1024, 0), baseline: null },
          {
            metric: `Of one run: collectReview (pure), ${fmt(n)} requests`,
            unit: 'ms',
            value: round(collectMs, 1),
            baseline: null,
          },
          {
            metric: `Of that: purgeCandidates (${fmt(accounts.length)} accounts), ${fmt(n)} requests`,
            unit: 'ms',
            value: round(purgeMs, 1),
            baseline: null,
          },
          {
            metric: `Of one run: report rendering (charts, tables), ${fmt(n)} requests`,
            unit: 'ms',
            value: round(renderMs, 1),
            baseline: null,
          },
        );
        notes.push(
          `${label}: requests seeded through the store's compare-and-swap (${round(seedMs / 1000, 1)} s), entries chained in bulk as AuditLog.append chains them; ${rounds} dry runs, each after a bare read (interleaved). The period (first request to now) holds all ${fmt(figures.requests)} requests; the report lists ${fmt(figures.activeGrants)} active grants, ${fmt(figures.revocations)} revocations and ${fmt(summary.durations.rows.length)} granted durations row by row, and ${fmt(figures.candidates)} purge candidates; ${fmt(bytes)} bytes (${rendered.length === html.length ? 'the same size when rendered alone' : `rendered alone: ${fmt(Buffer.byteLength(rendered))} bytes`}).`,
        );
        raw[`review-${n}`] = {
          seedMs,
          bare,
          dry,
          bytes,
          collectMs,
          purgeMs,
          renderMs,
          figures,
          accounts: accounts.length,
        };
      } finally {
        await store.close();
      }
    }
    notes.unshift(...scaling(raw, s.sizes));
    notes.unshift(
      "No target: measured. The baseline is the collection's own I/O, which a review cannot skip: it reads every stored request (keyv-sqlite pages of 1,000 rows) and walks the whole audit log (pages of 200 records) into memory. On top of it a dry run inspects each shared account through its provider (the builtin ledger here, which cannot inspect: no I/O), computes the figures in memory (collectReview) and renders the report: four server-side ECharts SVGs and tables that list every active grant, every revocation and every granted duration of the period, so the report grows with the period's requests.",
      'Accounts: 200 distinct shared accounts, 300 requesters, requests spread evenly over 180 days, a tenth vendor access, a third high risk; the shipped policy (config/policy.yaml, staleAfterDays 30).',
    );
    return {
      id: 'review',
      title: '6. Access review, dry run',
      method: `\`createReviewJob(...).runReview({ dryRun: true })\` with the shipped policy and the builtin provider over a fresh SQLite file store holding ${s.sizes.map(fmt).join(' and ')} requests with their audit entries, against reading the same requests (\`store.requests.all()\`) and audit entries (\`audit.entries()\`) into memory alone.`,
      baselineName: 'reading the requests and audit entries alone',
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

/** How the dry run and its parts grew from the first size to the last, and what grew fastest. */
function scaling(raw: Record<string, unknown>, sizes: number[]): string[] {
  if (sizes.length < 2) return [];
  const [a, b] = [sizes[0], sizes[sizes.length - 1]];
  const of = (n: number) =>
    raw[`review-${n}`] as {
      bare: number[];
      dry: number[];
      collectMs: number;
      purgeMs: number;
      renderMs: number;
      accounts: number;
    };
  const [x, y] = [of(a), of(b)];
  const times = (u: number, v: number) => `${round(v / u, 1)}×`;
  const out = [
    `From ${fmt(a)} to ${fmt(b)} requests (${round(b / a, 1)}×): the bare read took ${times(p50(x.bare), p50(y.bare))} as long, the dry run ${times(p50(x.dry), p50(y.dry))}, collectReview ${times(x.collectMs, y.collectMs)} (of which purgeCandidates ${times(x.purgeMs, y.purgeMs)}), the rendering ${times(x.renderMs, y.renderMs)}.`,
  ];
  if (y.purgeMs > 0.3 * y.collectMs) {
    out.push(
      `What bounds the computation: purgeCandidates (src/review/account-findings.ts) filters every stored request once per known account (\`requests.filter((r) => everGranted(r) && accountKey(r) === account.key)\`, building a key string per comparison), so it costs accounts × requests: ${fmt(y.accounts)} × ${fmt(b)} here, ${round((100 * y.purgeMs) / y.collectMs, 0)} % of collectReview. Grouping the requests by accountKey once would make it linear.`,
    );
  }
  return out;
}
