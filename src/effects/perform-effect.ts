import type { CredentialRequest } from '../domain/request';
import type { Effect } from '../domain/effect';
import type { Connector } from '../../connectors/types';
import type { CommentRenderer } from '../render/comment-renderer';
import { performGrant, performRevoke, type AccessTargets, type RevokeOutcome } from './perform-access';
import type { Scheduler } from '../scheduler/scheduler';
import type { AuditLog } from '../audit/audit-log';
import { capComment, capView, DEFAULT_COMMENT_LIMIT, fieldLimitFor } from '../render/cap-text';

export interface EffectTargets extends AccessTargets {
  connector: Connector;
  renderer: CommentRenderer;
  scheduler: Scheduler;
  audit: AuditLog;
}

/**
 * Performs one effect. Each branch is safe to repeat: comments look for their own reference
 * first when an earlier attempt may have landed, status changes are no-ops when already there,
 * providers, jobs and audit entries are keyed. What a revocation found is returned for the engine.
 */
export async function performEffect(
  request: CredentialRequest,
  effect: Effect,
  t: EffectTargets,
): Promise<RevokeOutcome | undefined> {
  const ticket = request.ticket;
  switch (effect.kind) {
    case 'comment': {
      // attempts > 1: an earlier attempt started and may have been accepted before a crash or timeout.
      if ((effect.attempts ?? 0) > 1 && (await t.connector.hasComment(ticket, effect.key))) return;
      // Capped for the target: a vendor refuses an over-long comment for good, and it would be lost.
      const limit = t.connector.maxCommentLength ?? DEFAULT_COMMENT_LIMIT;
      const view = capView(
        { howToApprove: t.connector.howToApprove ?? DEFAULT_HOW_TO_APPROVE, ...effect.view },
        fieldLimitFor(limit),
      );
      await t.connector.postComment(
        ticket,
        capComment(t.renderer.render(effect.template, view), limit),
        audienceOf(effect.template),
        effect.mentions,
      );
      return;
    }
    case 'set-status':
      await t.connector.setStatus(ticket, effect.position);
      return;
    case 'grant':
      await performGrant(request, effect, t);
      return;
    case 'revoke':
      return performRevoke(request, effect, t);
    case 'schedule':
      await t.scheduler.schedule({ requestId: request.id, timer: effect.timer, at: effect.at });
      return;
    case 'unschedule':
      await t.scheduler.cancel(request.id, effect.timer);
      return;
    case 'audit':
      await t.audit.append({ ...effect.event, requestId: request.id, ticket, effectKey: effect.key });
      return;
  }
}

/** Comments for the service desk only; every other comment speaks to the requester too. */
const AGENT_TEMPLATES = new Set([
  'approval-recorded',
  'transition-refused',
  'action-failed',
  'revocation-failed',
  // Said to approvers: who must still approve, who was brought in, who approves for whom.
  'approval-reminder',
  'approval-escalated',
  'approval-delegated',
]);

export const audienceOf = (template: string): 'requester' | 'agents' =>
  AGENT_TEMPLATES.has(template) ? 'agents' : 'requester';

/** Said in comments when a connector does not say how its users approve. */
export const DEFAULT_HOW_TO_APPROVE =
  'An approver moves this ticket to the approved status; to decline, to the declined status';
