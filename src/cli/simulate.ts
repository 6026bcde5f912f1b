import type { CredentialRequest } from '../domain/request';
import type { Effect } from '../domain/effect';
import type { TicketSnapshot } from '../domain/ticket';
import type { Policy } from '../policy/policy';
import type { CommentRenderer } from '../render/comment-renderer';
import { decide } from '../engine/decide';
import { DEFAULT_HOW_TO_APPROVE } from '../effects/perform-effect';
import type { EngineEvent } from '../domain/event';
import { describeEffect } from '../engine/on-effect-outcome';

/** One step of a simulated request: what happened and what credgate would do. */
export interface SimulatedStep {
  event: string;
  state: string;
  comments: string[];
  actions: string[];
}

/** Effects `simulate --fail` can make fail for good. */
export const FAILABLE_EFFECTS = ['grant', 'revoke', 'set-status', 'comment'] as const;
export type FailableEffect = (typeof FAILABLE_EFFECTS)[number];

/** The first effect of this kind that fails, failing for good with this error. */
export interface SimulatedFailure {
  effect: FailableEffect;
  error: string;
}

/**
 * Plays a whole request through the real engine and templates, without any ticketing system:
 * the ticket arrives, each required approver approves, the reminder and the expiry fire. With a
 * failure, the first effect of that kind fails for good: the effects before it run, and what the
 * engine decides on the `effect-failed` event (as the effect runner reports it) replaces the rest.
 */
export async function simulateRequest(
  snapshot: TicketSnapshot,
  policy: Policy,
  renderer: CommentRenderer,
  start: Date,
  full: boolean,
  failure?: SimulatedFailure,
): Promise<SimulatedStep[]> {
  const steps: SimulatedStep[] = [];
  let now = start;
  let request: CredentialRequest | null = null;
  let failed = false;
  const play = async (label: string, event: EngineEvent) => {
    const decision = await decide(request, event, { policy, now });
    if (!decision) {
      steps.push({ event: label, state: 'not a shared-credential request: left alone', comments: [], actions: [] });
      return false;
    }
    let next = decision.request;
    const at = failure && !failed ? next.outbox.findIndex((e) => failsHere(e, failure.effect)) : -1;
    if (at < 0) {
      steps.push({ event: label, state: next.state, ...describe(next.outbox, renderer) });
    } else {
      // What ran up to the failing effect, then what the engine decides about the failure.
      failed = true;
      steps.push({ event: label, state: next.state, ...describe(next.outbox.slice(0, at + 1), renderer) });
      const effect = next.outbox[at];
      const owed = { ...next, outbox: next.outbox.slice(at) };
      const after = await decide(owed, { type: 'effect-failed', effect, error: failure!.error }, { policy, now });
      next = after?.request ?? owed;
      steps.push({
        event: `${describeEffect(effect)}: failed for good (${failure!.error})`,
        state: next.state,
        ...describe(next.outbox, renderer),
      });
    }
    request = { ...next, outbox: [] };
    return true;
  };

  if (
    !(await play(`ticket ${snapshot.ref.key} created`, {
      type: 'ticket-observed',
      snapshot,
      changes: [],
      groupsByActor: {},
    }))
  )
    return steps;
  if (!full) return steps;
  const current = () => request as unknown as CredentialRequest;
  let n = 0;
  for (const step of current().steps) {
    for (let i = 0; i < step.count && current().state === 'pending-approval'; i++) {
      n++;
      // A step filled from a source (a manager, an owner) is approved by the person it names.
      const named = step.groups.length ? undefined : step.users[i];
      const actor = { id: named ?? `approver-${n}`, displayName: `${named ?? `Approver ${n}`} (${step.name})` };
      now = new Date(now.getTime() + 15 * 60_000);
      const change = {
        id: `sim-${n}`,
        actor,
        from: 'Pending approval',
        to: 'Approved',
        position: 'approved' as const,
        at: now.toISOString(),
        bySelf: false,
      };
      await play(`${actor.displayName} moves the ticket to Approved`, {
        type: 'ticket-observed',
        snapshot,
        changes: [change],
        groupsByActor: { [actor.id]: step.groups.length ? [step.groups[0]] : [] },
      });
    }
  }
  for (const timer of ['reminder', 'expiry'] as const) {
    const dueAt = current().timers[timer];
    if (!dueAt) continue;
    now = new Date(dueAt);
    await play(`${timer} due at ${dueAt}`, { type: 'timer-fired', timer, dueAt });
  }
  return steps;
}

/** An extension's grant only moves the end of access: `--fail grant` means the first real grant. */
const failsHere = (e: Effect, kind: FailableEffect): boolean => e.kind === kind && !(e.kind === 'grant' && e.extension);

function describe(outbox: Effect[], renderer: CommentRenderer): { comments: string[]; actions: string[] } {
  const comments: string[] = [];
  const actions: string[] = [];
  for (const e of outbox) {
    if (e.kind === 'comment')
      comments.push(renderer.render(e.template, { howToApprove: DEFAULT_HOW_TO_APPROVE, ...e.view }));
    else if (e.kind === 'set-status') actions.push(`move ticket to the ${e.position} status`);
    else if (e.kind === 'grant') actions.push(`grant access until ${e.expiresAt}`);
    else if (e.kind === 'revoke') actions.push(`revoke access (${e.reason})`);
    else if (e.kind === 'schedule') actions.push(`schedule ${e.timer} at ${e.at}`);
    else if (e.kind === 'unschedule') actions.push(`cancel ${e.timer}`);
    else
      actions.push(
        `audit: ${e.event.action} → ${e.event.outcome}${e.event.rules.length ? ` [${e.event.rules.join(', ')}]` : ''}`,
      );
  }
  return { comments, actions };
}
