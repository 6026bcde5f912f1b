/**
 * Benchmark 2: end to end. New tickets are filed in the fake Jira at a fixed rate through its
 * control API (createIssue delivers a signed webhook to credgate); each is timed from the moment
 * the fake starts delivering to the moment the fake recorded credgate's first comment on it
 * (FakeComment.created). Baseline: the fake's own round trip for a bare REST comment POST at the
 * same rate, timed the same way. No change to the fake was needed.
 */
import { Child } from './ipc';
import {
  EMAIL,
  credgateRefs,
  duplicates,
  ISSUE_TYPE,
  PROJECT,
  REQUESTER,
  DESCRIPTION,
  SECRETS,
  SERVICE_ACCOUNT,
  newFakeJira,
  round,
  seedIssues,
  sleep,
  summarize,
} from './common';
import type { FakeJira } from '../test/fakes/jira/fake-jira';
import { ratioOf, type BenchResult, type Row } from './report';

export interface EndToEndSettings {
  durationS: number;
  ratePerS: number;
}

/** Calls `fire(i)` `n` times at a fixed rate (absolute schedule, so a slow call does not slow the rest). */
async function atRate(
  n: number,
  ratePerS: number,
  fire: (i: number) => Promise<void>,
): Promise<{ pending: Promise<void>[]; lateMs: number; errors: string[] }> {
  const start = performance.now() + 20;
  const pending: Promise<void>[] = [];
  const errors: string[] = [];
  let late = 0;
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else late = Math.max(late, -wait);
    // Failures are counted, not thrown: a rejection left unhandled until the end would end the process.
    pending.push(fire(i).catch((err: unknown) => void errors.push(err instanceof Error ? err.message : String(err))));
  }
  return { pending, lateMs: round(late, 1), errors };
}

/** credgate's comments on a ticket (none when the ticket was never filed because its send failed). */
const credgateComments = (fake: FakeJira, key: string | undefined) =>
  key ? fake.comments(key).filter((c) => c.author.accountId === SERVICE_ACCOUNT) : [];

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

export async function benchEndToEnd(s: EndToEndSettings): Promise<BenchResult> {
  const t0 = Date.now();
  const n = Math.round(s.durationS * s.ratePerS);
  const fake = newFakeJira();
  const jiraUrl = await fake.start();
  const target = Child.start('bench/target.ts', 'credgate (target)');
  try {
    const { url } = await target.call<{ url: string }>('start', { jiraUrl, baseline: false });
    const auth = `Basic ${Buffer.from(`${EMAIL}:${SECRETS.apiToken}`).toString('base64')}`;

    // Warm-up: a few tickets through credgate (JIT, connection pools), not recorded.
    fake.setWebhook({ url: `${url}/webhooks/jira`, secret: SECRETS.webhookSecret });
    const warm = await seedIssues(fake, 10, 'Warm-up');
    await waitFor(() => warm.every((w) => credgateComments(fake, w.key).length > 0), 15_000);
    await target.call('drain', { timeoutMs: 15_000 }, 30_000);

    // Baseline: bare REST comment POSTs on tickets filed without a webhook, same rate, same clock.
    fake.setWebhook(undefined);
    const plain = await seedIssues(fake, n, 'Baseline');
    const baseSent: number[] = new Array(n);
    const baseAck: number[] = [];
    const baseRun = await atRate(n, s.ratePerS, async (i) => {
      baseSent[i] = Date.now();
      const p0 = performance.now();
      const res = await fetch(`${jiraUrl}/rest/api/2/issue/${plain[i].key}/comment`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ body: `Baseline comment ${i}\n----\n_ref baseline/${i}_` }),
      });
      await res.arrayBuffer();
      if (res.status === 201) baseAck.push(performance.now() - p0);
    });
    await Promise.all(baseRun.pending);
    const baseLat = plain.flatMap((issue, i) => {
      const c = credgateComments(fake, issue.key)[0];
      return c ? [Date.parse(c.created) - baseSent[i]] : [];
    });

    // credgate: new tickets filed at the same rate; each webhook delivery goes to credgate.
    fake.setWebhook({ url: `${url}/webhooks/jira`, secret: SECRETS.webhookSecret });
    const before = await target.call<{ statements: Record<string, number>; cpuMs: number }>('stats');
    const keys: string[] = new Array(n);
    const sent: number[] = new Array(n);
    const acks: number[] = [];
    const statuses: Record<string, number> = {};
    const run = await atRate(n, s.ratePerS, async (i) => {
      sent[i] = Date.now();
      const p0 = performance.now();
      const { key, delivery } = await fake.createIssue(REQUESTER, {
        project: PROJECT,
        issueType: ISSUE_TYPE,
        summary: `Access to the reporting database, e2e #${i}`,
        description: DESCRIPTION,
      });
      keys[i] = key;
      const code = String(delivery?.status ?? 'none');
      statuses[code] = (statuses[code] ?? 0) + 1;
      if (delivery && delivery.status >= 200 && delivery.status < 300) acks.push(performance.now() - p0);
    });
    await Promise.all(run.pending);
    const loadEnd = Date.now();
    const allCommented = await waitFor(() => keys.every((k) => credgateComments(fake, k).length > 0), 30_000);
    const drainedAfterMs = Date.now() - loadEnd;
    const after = await target.call<{
      statements: Record<string, number>;
      cpuMs: number;
      logged: Record<string, number>;
    }>('drain', { timeoutMs: 30_000 }, 45_000);
    const perTicket = Object.entries(after.statements)
      .map(([ns, v]) => [ns, (v - (before.statements[ns] ?? 0)) / n] as const)
      .filter(([, v]) => round(v, 1) > 0);
    const lat = keys.flatMap((k, i) => {
      const c = credgateComments(fake, k)[0];
      return c ? [Date.parse(c.created) - sent[i]] : [];
    });
    // Doubled effects: the same `ref cg-…/N` footer twice on one ticket.
    let doubled = 0;
    let withRefs = 0;
    for (const k of keys) {
      if (!k) continue;
      const refs = credgateRefs(fake, k);
      if (refs.length) withRefs++;
      doubled += duplicates(refs).length;
    }
    const statusesAfter = keys
      .filter(Boolean)
      .reduce<Record<string, number>>(
        (acc, k) => ((acc[fake.statusOf(k)] = (acc[fake.statusOf(k)] ?? 0) + 1), acc),
        {},
      );

    const e = summarize(lat);
    const b = summarize(baseLat);
    const a = summarize(acks);
    const ba = summarize(baseAck);
    const rows: Row[] = [
      {
        metric: `Delivery → comment recorded, p50 (${s.ratePerS} new tickets/s, ${s.durationS} s)`,
        unit: 'ms',
        value: round(e.p50, 1),
        baseline: round(b.p50, 1),
      },
      { metric: 'Delivery → comment recorded, p99', unit: 'ms', value: round(e.p99, 1), baseline: round(b.p99, 1) },
      { metric: 'Delivery → comment recorded, max', unit: 'ms', value: round(e.max, 1), baseline: round(b.max, 1) },
      {
        metric: 'Tickets commented / filed',
        unit: 'count',
        value: `${lat.length} / ${n}`,
        baseline: `${baseLat.length} / ${n}`,
        ratio: ratioOf(lat.length, baseLat.length),
      },
      {
        metric: 'Delivery acknowledged (credgate 202) vs REST POST answered (201), p50',
        unit: 'ms',
        value: round(a.p50, 2),
        baseline: round(ba.p50, 2),
      },
      {
        metric: 'Delivery acknowledged vs REST POST answered, p99',
        unit: 'ms',
        value: round(a.p99, 2),
        baseline: round(ba.p99, 2),
      },
      { metric: 'Doubled credgate comments (same ref twice)', unit: 'count', value: doubled, baseline: null },
    ];
    const calls = fake.requests
      .filter((r) => r.operationId)
      .reduce<Record<string, number>>((acc, r) => ((acc[r.operationId!] = (acc[r.operationId!] ?? 0) + 1), acc), {});
    return {
      id: 'e2e',
      title: '2. End to end: delivery to comment',
      method:
        `${n} new tickets filed in the fake Jira at ${s.ratePerS}/s through its control API (each createIssue delivers a signed issue_created webhook to credgate), each timed from the moment the fake starts delivering to the moment the fake recorded credgate's first comment on it. ` +
        `Between the two credgate acknowledges, reads the ticket, its comments and changelog back over REST, decides, commits, and posts the comment. Baseline: the fake's own round trip for a bare REST comment POST at the same rate, timed the same way.`,
      baselineName: 'bare REST comment POST to the fake',
      status: allCommented ? 'ok' : 'error',
      ...(allCommented
        ? {}
        : { reason: `${n - lat.length} of ${n} tickets had no credgate comment 30 s after the load ended` }),
      rows,
      notes: [
        `No target was set for this benchmark in the issue; the figures are informational.`,
        `Timestamps: both ends from the same clock in the orchestrating process (Date.now() before createIssue or fetch; the fake's comment \`created\`, ms resolution). credgate runs in a child process with the embedded SQLite store and the shipped policy (config/policy.yaml); the low-risk description states every required fact, so the first comment is "request received" and the ticket moves to Pending approval.`,
        `Every ticket commented ${drainedAfterMs} ms after the last delivery was sent; statuses afterwards: ${Object.entries(
          statusesAfter,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; delivery answers: ${Object.entries(statuses)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')}.`,
        `REST calls the fake answered during this benchmark, by operation: ${Object.entries(calls)
          .sort((x, y) => y[1] - x[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}.`,
        `Doubled effects: ${withRefs} of ${n} tickets carry credgate comments with a \`ref cg-…/N\` footer; ${doubled} ref(s) appear twice on one ticket.`,
        `Per new ticket, credgate's process used ${round((after.cpuMs - before.cpuMs) / n, 1)} ms of CPU and ${round(
          perTicket.reduce((a, [, v]) => a + v, 0),
          1,
        )} SQLite statements (${perTicket.map(([ns, v]) => `${ns} ${round(v, 1)}`).join(', ')}; counted bench-side on keyv's adapters). Its log (warn and above): ${
          Object.entries(after.logged)
            .map(([k, v]) => `"${k}" ×${v}`)
            .join(', ') || 'nothing'
        }.`,
        `Pacing: the schedule was at most ${Math.max(run.lateMs, baseRun.lateMs)} ms late; failed sends: ${run.errors.length} (credgate run), ${baseRun.errors.length} (baseline)${[
          ...run.errors,
          ...baseRun.errors,
        ]
          .slice(0, 1)
          .map((e) => `, e.g. ${e}`)
          .join('')}. Fake Jira contract violations: ${fake.violations.length}.`,
      ],
      wallSeconds: (Date.now() - t0) / 1000,
      raw: {
        settings: s,
        e2e: e,
        baseline: b,
        ack: a,
        baselineAck: ba,
        doubled,
        statuses,
        statusesAfter,
        calls,
        violations: fake.violations.slice(0, 20),
      },
    };
  } finally {
    await target.call('stop', {}, 20_000).catch(() => undefined);
    await Promise.race([target.whenExited(), sleep(10_000)]);
    await target.stop();
    await fake.stop();
  }
}
