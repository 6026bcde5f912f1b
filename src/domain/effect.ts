import type { Actor, WorkflowPosition } from './ticket';
import type { TimerKind } from './request';

/** Fields every effect carries: a key unique per request, so performing it twice is harmless. */
interface EffectBase {
  key: string;
  attempts?: number;
  notBefore?: string;
}

export interface CommentEffect extends EffectBase {
  kind: 'comment';
  template: string;
  view: Record<string, unknown>;
  /** People the comment notifies, where the ticketing system has mentions. */
  mentions?: Actor[];
}

export interface SetStatusEffect extends EffectBase {
  kind: 'set-status';
  position: WorkflowPosition;
}

export interface GrantEffect extends EffectBase {
  kind: 'grant';
  expiresAt: string;
  /** Moves the end of access already granted (/extend), rather than granting it. */
  extension?: boolean;
}

export interface RevokeEffect extends EffectBase {
  kind: 'revoke';
  reason: string;
}

export interface ScheduleEffect extends EffectBase {
  kind: 'schedule';
  timer: TimerKind;
  at: string;
}

export interface UnscheduleEffect extends EffectBase {
  kind: 'unschedule';
  timer: TimerKind;
}

export interface AuditEffect extends EffectBase {
  kind: 'audit';
  event: AuditEvent;
}

/** What the audit trail records of one decision: never a secret, always who, what and why. */
export interface AuditEvent {
  action: string;
  actor: string | null;
  at: string;
  outcome: string;
  rules: string[];
  detail?: Record<string, unknown>;
}

export type Effect =
  | CommentEffect
  | SetStatusEffect
  | GrantEffect
  | RevokeEffect
  | ScheduleEffect
  | UnscheduleEffect
  | AuditEffect;

/** An effect as decided, before the request assigns it a key. */
export type EffectDraft = Effect extends infer E ? (E extends Effect ? Omit<E, 'key'> : never) : never;
