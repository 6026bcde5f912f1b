import type { Actor, StatusChange } from '../domain/ticket';
import type { ReviewDocument } from './review-store';

export interface ReviewDecision {
  /** The review after the changes; `changed` says whether it must be written. */
  doc: ReviewDocument;
  changed: boolean;
  /** Moves to the approved or declined status by people who may not decide: each gets a comment. */
  refusals: StatusChange[];
  /** The change that decided the review, if one did now. */
  decision: { change: StatusChange; outcome: 'approved' | 'declined' } | null;
}

/** True when the person is one of the review's approvers (a group of theirs or their id/email). */
export function isReviewApprover(approvers: ReviewDocument['approvers'], actor: Actor, groups: string[]): boolean {
  const mine = new Set(groups.map((g) => g.toLowerCase()));
  const ids = [actor.id, actor.email].filter(Boolean).map((s) => String(s).toLowerCase());
  return (
    approvers.groups.some((g) => mine.has(g.toLowerCase())) ||
    approvers.users.some((u) => ids.includes(u.toLowerCase()))
  );
}

/**
 * Judges the review ticket's status history, read back through the connector (never a webhook's
 * claim), like a request's approvals: each change once, credgate's own changes never. The first
 * move to the approved or declined status by a review approver decides an open review; a move by
 * anyone else is refused and decides nothing. A decided review never changes its decision. Pure.
 */
export function judgeReviewChanges(
  current: ReviewDocument,
  changes: StatusChange[],
  groupsByActor: Record<string, string[]>,
  now: Date,
): ReviewDecision {
  const doc = structuredClone(current);
  const seen = new Set(doc.seenChanges);
  const refusals: StatusChange[] = [];
  let decision: ReviewDecision['decision'] = null;
  let changed = false;
  for (const change of changes) {
    if (seen.has(change.id)) continue;
    seen.add(change.id);
    doc.seenChanges.push(change.id);
    changed = true;
    if (change.bySelf || (change.position !== 'approved' && change.position !== 'declined')) continue;
    if (doc.state !== 'open') continue;
    if (!isReviewApprover(doc.approvers, change.actor, groupsByActor[change.actor.id] ?? [])) {
      refusals.push(change);
      continue;
    }
    const outcome = change.position;
    decision = { change, outcome };
    doc.decidedBy = change.actor;
    doc.decidedAt = now.toISOString();
    if (outcome === 'declined') {
      doc.state = 'declined';
      continue;
    }
    doc.state = 'purging';
    for (const c of doc.candidates) doc.purge[c.key] = { status: 'pending', detail: '', at: null };
  }
  return { doc, changed, refusals, decision };
}
