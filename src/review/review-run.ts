import type { CredentialRequest } from '../domain/request';
import type { TicketRef } from '../domain/ticket';
import type { AuditEntry } from '../audit/audit-log';
import { LINK_PLACEHOLDER, insertLink } from '../render/trusted-link';
import { formatTime } from '../engine/views';
import { knownAccounts, type KnownAccount } from './account-findings';
import { collectReview } from './collect';
import { BUILTIN_TARGET, purgePlan } from './purge';
import type { ReviewPolicy } from '../policy/review-policy-schema';
import { exclusive, rendererFor, reviewConnector, reviewPolicyOf, type ReviewRuntime } from './review-runtime';
import { hashReportToken, newReportToken, reviewIdFor, type ReviewDocument } from './review-store';
import type { AccountObservation, ReviewPeriod, ReviewSummary } from './review-types';
import {
  approversText,
  headline,
  lastUsedText,
  outcomesText,
  periodLabel,
  reasonsText,
  statsText,
} from './review-views';
import { flushOutbox } from './review-tickets';

export interface RunReviewOptions {
  /** Collect and report, change nothing: no ticket, no stored review, no provider call but inspect. */
  dryRun?: boolean;
  /** Start of the period; default: where the previous review ended (or the first request). */
  since?: Date;
  /** End of the period; default: now. */
  until?: Date;
  /** Id of the period (a scheduled run's fire time); default: derived from the bounds. */
  periodId?: string;
}

export interface ReviewOutcome {
  /** False when this period's review already existed (another replica, a restart) or for a dry run. */
  created: boolean;
  dryRun: boolean;
  reviewId: string;
  period: ReviewPeriod;
  summary: ReviewSummary | null;
  ticket: TicketRef | null;
  /** The report's address; only the run that created the review knows it. */
  reportUrl: string | null;
  /** What approving the review would change ("disable svc_x through corp-ad"). */
  plan: string[];
  /** The report page (dry runs only: a created review's report is served at reportUrl). */
  html?: string;
}

/** Most candidates a ticket description lists; the report lists all. */
const LISTED = 25;

/**
 * One review: collects from stored history and the providers, renders the report, stores both and
 * opens the review ticket. Exactly one review per period: the period is claimed with set-if-absent
 * under a lease, so replicas firing together, or a restart, produce no second one.
 */
export async function runReview(rt: ReviewRuntime, options: RunReviewOptions = {}): Promise<ReviewOutcome> {
  const policy = reviewPolicyOf(rt.deps.policy());
  const until = (options.until ?? rt.clock()).toISOString();
  const periodId = options.periodId ?? (options.since ? `${options.since.toISOString()}..${until}` : `until:${until}`);
  const reviewId = reviewIdFor(periodId);
  const existing = await rt.reviews.reviewOfPeriod(periodId);
  if (existing && !options.dryRun) return outcomeOf(existing, false);

  const requests: CredentialRequest[] = [];
  for await (const r of rt.deps.store.requests.all()) requests.push(r);
  const since =
    options.since?.toISOString() ??
    (await previousEnd(rt, until)) ??
    requests.map((r) => r.createdAt).sort()[0] ??
    until;
  const period = { id: periodId, since: since < until ? since : until, until };
  const audit: AuditEntry[] = [];
  for await (const e of rt.deps.audit.entries()) audit.push(e);
  const accounts = await inspectAccounts(rt, knownAccounts(requests));
  const summary = collectReview({
    requests,
    audit,
    accounts,
    period,
    now: rt.clock(),
    staleAfterDays: policy.staleAfterDays,
  });
  const plan = purgePlan({ action: policy.purge.action, candidates: summary.candidates });

  if (options.dryRun) {
    const html = rt.report.render(summary, { policy });
    return { created: false, dryRun: true, reviewId, period, summary, ticket: null, reportUrl: null, plan, html };
  }
  // Only a real run needs the ticketing system: a dry run works before any is connected.
  const connector = reviewConnector(rt, policy.connector);

  let outcome: ReviewOutcome | null = null;
  const held = await exclusive(rt, reviewId, async () => {
    const claimed = await rt.reviews.claimPeriod(periodId, reviewId);
    // Claimed by a run that died before storing its review: under the lease now, this run stores it.
    if (!claimed && (await rt.reviews.get(reviewId))) return;
    const token = newReportToken();
    const description = rendererFor(rt, connector).render(
      'review-created',
      descriptionView(summary, policy, reviewId, connector.howToApprove),
    );
    const doc: ReviewDocument = {
      version: 0,
      id: reviewId,
      period,
      state: 'collected',
      createdAt: rt.clock().toISOString(),
      connector: connector.id,
      ticket: null,
      reportHash: hashReportToken(token),
      figures: headline(summary),
      candidates: summary.candidates,
      action: policy.purge.action,
      approvers: policy.approvers,
      seenChanges: [],
      decidedBy: null,
      decidedAt: null,
      purge: {},
      description,
      outbox: [],
    };
    // Report and review before the ticket: a crash after this is finished by the sweep.
    await rt.reviews.putReport(token, { reviewId, html: rt.report.render(summary, { policy }) });
    const stored = await rt.reviews.save(doc, 0);
    if (!stored) return;
    const opened = await openTicket(rt, stored, token);
    outcome = { ...outcomeOf(opened, true), summary, reportUrl: reportUrl(rt, token) };
  });
  if (outcome) return outcome;
  // Another replica holds the period (or just finished it): report what is stored, if anything.
  const theirs = await rt.reviews.reviewOfPeriod(periodId);
  if (theirs) return outcomeOf(theirs, false);
  rt.deps.log.info({ reviewId, period: periodId, held }, 'review of this period is being created elsewhere');
  return { created: false, dryRun: false, reviewId, period, summary: null, ticket: null, reportUrl: null, plan: [] };
}

/**
 * Creates the review's ticket with the report link, then records it and owes the dry-run comment
 * listing what approval would change. Also finishes a review a crash left without a ticket; its
 * report then moves under a new token, since only the token's hash was stored.
 */
export async function openTicket(rt: ReviewRuntime, doc: ReviewDocument, token?: string): Promise<ReviewDocument> {
  const connector = reviewConnector(rt, doc.connector);
  const policy = reviewPolicyOf(rt.deps.policy());
  let reportHash = doc.reportHash;
  if (!token) {
    token = newReportToken();
    if (await rt.reviews.moveReport(doc.reportHash, token)) reportHash = hashReportToken(token);
  }
  const description = withReportLink(doc.description, reportUrl(rt, token), connector.markup);
  const ticket = await connector.createTicket({
    project: policy.project,
    issueType: policy.issueType,
    summary: `credgate access review ${periodLabel(doc.period)}`,
    description,
  });
  await rt.reviews.indexTicket(ticket, doc.id);
  const at = formatTime(rt.clock().toISOString());
  const opened = await rt.reviews.update(doc.id, (d) => {
    if (d.state !== 'collected') return null;
    d.state = 'open';
    d.ticket = ticket;
    d.reportHash = reportHash;
    d.outbox.push({
      ref: `${d.id}/plan`,
      template: 'review-purge-plan',
      view: { reviewId: d.id, ref: `${d.id}/plan`, at, approvers: approversText(d), actions: purgePlan(d) },
      audit: {
        action: 'review-created',
        actor: null,
        outcome: 'open',
        detail: { review: d.id, period: d.period.id, since: d.period.since, until: d.period.until, ...d.figures },
      },
    });
    return d;
  });
  rt.deps.log.info(
    { reviewId: doc.id, period: doc.period.id, ticket: ticket.key, candidates: doc.candidates.length },
    'access review created',
  );
  await flushOutbox(rt, doc.id);
  return (await rt.reviews.get(doc.id)) ?? (opened as ReviewDocument);
}

/** Where the last review before `until` ended: reviews chain without gaps. */
async function previousEnd(rt: ReviewRuntime, until: string): Promise<string | null> {
  const ends = (await rt.reviews.all()).map((d) => d.period.until).filter((u) => u < until);
  return ends.sort().pop() ?? null;
}

/** Each account's state from its provider; an account whose provider cannot tell is reported as such. */
async function inspectAccounts(rt: ReviewRuntime, known: KnownAccount[]): Promise<AccountObservation[]> {
  const out: AccountObservation[] = [];
  for (const { latest: _latest, ...account } of known) {
    try {
      const provider = rt.deps.providerFor(account.target?.provider ?? null);
      if (!provider.inspect) {
        out.push({ ...account, state: null, stateNote: `provider ${provider.id} cannot inspect accounts` });
        continue;
      }
      const state = await provider.inspect(account.target ?? BUILTIN_TARGET, account.account);
      out.push({ ...account, state, ...(state ? {} : { stateNote: `provider ${provider.id} does not know it` }) });
    } catch (err) {
      rt.deps.log.warn(
        { account: account.account, provider: account.provider, err: (err as Error).message },
        'review could not inspect an account',
      );
      out.push({ ...account, state: null, stateNote: (err as Error).message });
    }
  }
  return out;
}

/** The link in the connector's own syntax; a base URL no markup can carry safely gets words instead. */
function withReportLink(description: string, url: string | null, markup: Parameters<typeof insertLink>[2]): string {
  if (url) {
    try {
      return insertLink(description, url, markup);
    } catch {
      // Not a plain http(s) URL (odd characters in server.publicUrl): say where the report is instead.
    }
  }
  return description
    .split(LINK_PLACEHOLDER)
    .join('kept in credgate (set server.publicUrl to a plain https URL to link it here)');
}

function reportUrl(rt: ReviewRuntime, token: string): string | null {
  const base = rt.deps.publicUrl?.()?.replace(/\/+$/, '');
  return base && /^https?:\/\//.test(base) ? `${base}/reports/${token}` : null;
}

function descriptionView(s: ReviewSummary, policy: ReviewPolicy, reviewId: string, howToApprove: string | undefined) {
  return {
    period: periodLabel(s.period),
    reviewId,
    at: formatTime(s.generatedAt),
    figures: headline(s),
    categories: s.byCategory.map((c) => ({
      name: c.name,
      total: c.total,
      low: c.byRisk.low,
      high: c.byRisk.high,
      outcomes: outcomesText(c.byOutcome),
    })),
    approvals: s.approvers.reduce((n, a) => n + a.total, 0),
    wait: statsText(s.timeToApproval.all),
    staleAfterDays: s.staleAfterDays,
    candidates: s.candidates.slice(0, LISTED).map((c) => ({
      account: c.account,
      provider: c.provider,
      systems: c.systems.join(', ') || 'no system named',
      reasons: reasonsText(c, s.staleAfterDays),
      lastUsed: lastUsedText(c),
    })),
    more: Math.max(0, s.candidates.length - LISTED),
    approvers: approversText(policy),
    howToApprove: howToApprove ?? 'move it to its approved status',
    action: policy.purge.action,
    reportUrl: LINK_PLACEHOLDER,
  };
}

const outcomeOf = (doc: ReviewDocument, created: boolean): ReviewOutcome => ({
  created,
  dryRun: false,
  reviewId: doc.id,
  period: doc.period,
  summary: null,
  ticket: doc.ticket,
  reportUrl: null,
  plan: purgePlan(doc),
});
