import type { StatusChange, TicketRef } from '../domain/ticket';
import { formatTime } from '../engine/views';
import { exclusive, rendererFor, reviewConnector, type ReviewRuntime } from './review-runtime';
import { judgeReviewChanges } from './review-decision';
import { purgeAccount } from './purge';
import type { ReviewDocument, ReviewNotice } from './review-store';
import { approversText } from './review-views';

/**
 * A delivery (or the sweep) about a review ticket: reads its status history back through the
 * connector, judges it, and purges once a review approver approved. One replica at a time works on
 * a review (a lease); every step is stored before the next, so a redelivery, a restart or a
 * replica changes nothing twice.
 */
export async function handleReviewTicket(rt: ReviewRuntime, reviewId: string): Promise<void> {
  await exclusive(rt, reviewId, async () => {
    let doc = await rt.reviews.get(reviewId);
    if (!doc?.ticket) return;
    if (doc.state === 'open') doc = await judge(rt, doc, doc.ticket);
    // The decision's comments and audit entries first, then what it causes.
    await flushOutbox(rt, reviewId);
    if (doc.state === 'purging') {
      await purge(rt, doc.id);
      await flushOutbox(rt, reviewId);
    }
  });
}

async function judge(rt: ReviewRuntime, doc: ReviewDocument, ticket: TicketRef): Promise<ReviewDocument> {
  const connector = reviewConnector(rt, doc.connector);
  const changes = await connector.fetchStatusChanges(ticket);
  const groupsByActor: Record<string, string[]> = {};
  for (;;) {
    const seen = new Set(doc.seenChanges);
    for (const c of changes) {
      if (
        seen.has(c.id) ||
        c.bySelf ||
        groupsByActor[c.actor.id] ||
        (c.position !== 'approved' && c.position !== 'declined')
      )
        continue;
      groupsByActor[c.actor.id] = await connector.groupsOf(c.actor);
    }
    const now = rt.clock();
    const decision = judgeReviewChanges(doc, changes, groupsByActor, now);
    if (!decision.changed) return doc;
    const at = formatTime(now.toISOString());
    const next = decision.doc;
    for (const change of decision.refusals) next.outbox.push(refusalNotice(next, change, at));
    if (decision.decision) next.outbox.push(...decisionNotices(next, decision.decision, at));
    const stored = await rt.reviews.save(next, doc.version);
    if (stored) {
      if (decision.refusals.length) await revert(rt, stored);
      return stored;
    }
    // Another writer got there first: judge again on what it stored.
    const again = await rt.reviews.get(doc.id);
    if (!again) return doc;
    doc = again;
  }
}

/** Each approved candidate through its provider, one at a time, each result stored and audited. */
async function purge(rt: ReviewRuntime, reviewId: string): Promise<void> {
  const requests = async () => {
    const all = [];
    for await (const r of rt.deps.store.requests.all()) all.push(r);
    return all;
  };
  for (;;) {
    const doc = await rt.reviews.get(reviewId);
    if (!doc || doc.state !== 'purging') return;
    const candidate = doc.candidates.find((c) => doc.purge[c.key]?.status === 'pending');
    if (!candidate) break;
    const result = await purgeAccount(doc, candidate, {
      providerFor: rt.deps.providerFor,
      requests,
      registerSecret: rt.deps.registerSecret,
    });
    const at = rt.clock().toISOString();
    await rt.deps.audit.append({
      action: 'review-purge',
      actor: doc.decidedBy?.id ?? null,
      at,
      outcome: result.status === 'done' ? (doc.action === 'disable' ? 'disabled' : 'rotated') : result.status,
      rules: ['access-review', ...candidate.reasons],
      detail: { review: doc.id, account: candidate.account, provider: candidate.provider, result: result.detail },
      requestId: `review:${doc.id}`,
      ticket: doc.ticket as TicketRef,
      effectKey: `review/${doc.id}/purge/${candidate.key}`,
    });
    rt.deps.log.info(
      { reviewId, account: candidate.account, provider: candidate.provider, status: result.status },
      'review purge',
    );
    await rt.reviews.update(reviewId, (d) => {
      if (d.purge[candidate.key]?.status !== 'pending') return null;
      d.purge[candidate.key] = { ...result, at };
      return d;
    });
  }
  await rt.reviews.update(reviewId, (d) => {
    if (d.state !== 'purging') return null;
    d.state = 'purged';
    d.outbox.push(purgedNotice(d, formatTime(rt.clock().toISOString())));
    return d;
  });
}

/**
 * Posts the comments a review owes, in order. A comment carries its ref in its footer: one that
 * already landed (a crash between posting and recording it) is found, not posted again.
 */
export async function flushOutbox(rt: ReviewRuntime, reviewId: string): Promise<void> {
  for (;;) {
    const doc = await rt.reviews.get(reviewId);
    const notice = doc?.outbox[0];
    if (!doc?.ticket || !notice) return;
    const connector = reviewConnector(rt, doc.connector);
    if (notice.template && !(await connector.hasComment(doc.ticket, notice.ref))) {
      await connector.postComment(
        doc.ticket,
        rendererFor(rt, connector).render(notice.template, notice.view),
        'agents',
      );
    }
    await rt.deps.audit.append({
      ...notice.audit,
      at: rt.clock().toISOString(),
      rules: ['access-review'],
      requestId: `review:${doc.id}`,
      ticket: doc.ticket,
      effectKey: `review/${notice.ref}`,
    });
    await rt.reviews.update(reviewId, (d) =>
      d.outbox[0]?.ref === notice.ref ? { ...d, outbox: d.outbox.slice(1) } : null,
    );
  }
}

/** A refused move leaves the ticket where an approver can still approve it: back to pending approval. */
async function revert(rt: ReviewRuntime, doc: ReviewDocument): Promise<void> {
  try {
    await reviewConnector(rt, doc.connector).setStatus(doc.ticket as TicketRef, 'pending-approval');
  } catch (err) {
    rt.deps.log.info(
      { reviewId: doc.id, err: (err as Error).message },
      'review ticket not moved back after a refused approval',
    );
  }
}

function refusalNotice(doc: ReviewDocument, change: StatusChange, at: string): ReviewNotice {
  const ref = `${doc.id}/refused/${change.id}`;
  return {
    ref,
    template: 'review-refused',
    view: { reviewId: doc.id, ref, at, actor: change.actor.displayName, to: change.to, approvers: approversText(doc) },
    audit: {
      action: 'review-approval-refused',
      actor: change.actor.id,
      outcome: 'not-an-approver',
      detail: { review: doc.id, to: change.to },
    },
  };
}

function decisionNotices(
  doc: ReviewDocument,
  decision: { change: StatusChange; outcome: 'approved' | 'declined' },
  at: string,
): ReviewNotice[] {
  const { change, outcome } = decision;
  if (outcome === 'approved') {
    // The purge's own comment follows once it ran; the approval is audited now.
    const detail = { review: doc.id, to: change.to, candidates: doc.candidates.length };
    return [
      {
        ref: `${doc.id}/approved`,
        template: null,
        view: {},
        audit: { action: 'review-approved', actor: change.actor.id, outcome: 'approved', detail },
      },
    ];
  }
  const ref = `${doc.id}/declined`;
  return [
    {
      ref,
      template: 'review-declined',
      view: { reviewId: doc.id, ref, at, actor: change.actor.displayName },
      audit: { action: 'review-declined', actor: change.actor.id, outcome: 'declined', detail: { review: doc.id } },
    },
  ];
}

function purgedNotice(doc: ReviewDocument, at: string): ReviewNotice {
  const ref = `${doc.id}/purged`;
  const results = doc.candidates.map((c) => ({
    account: c.account,
    provider: c.provider,
    outcome: doc.purge[c.key]?.detail || doc.purge[c.key]?.status || 'not run',
    status: doc.purge[c.key]?.status,
  }));
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return {
    ref,
    template: 'review-purged',
    view: {
      reviewId: doc.id,
      ref,
      at,
      approver: doc.decidedBy?.displayName ?? 'an approver',
      done: count('done'),
      failed: count('failed'),
      skipped: count('skipped'),
      results: results.map(({ status: _s, ...r }) => r),
    },
    audit: {
      action: 'review-purged',
      actor: doc.decidedBy?.id ?? null,
      outcome: 'purged',
      detail: { review: doc.id, done: count('done'), failed: count('failed'), skipped: count('skipped') },
    },
  };
}
