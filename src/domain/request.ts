import type { Actor, LinkedTicket, TicketRef } from './ticket';
import type { Effect } from './effect';
import type { AccessTarget } from './access-target';

export type RequestState =
  | 'awaiting-info'
  | 'pending-approval'
  | 'granted'
  | 'declined'
  | 'expired'
  | 'revoked'
  | 'cancelled'
  /** The revocation failed after every retry: access may still exist, people must act. */
  | 'revocation-failed';

export const TERMINAL_STATES: readonly RequestState[] = ['declined', 'expired', 'revoked', 'cancelled'];

export type Risk = 'low' | 'high';

/** The standard facts every request states (step 2 of the workflow: standardize). */
export interface Facts {
  systems: string[];
  account: string;
  access: string;
  justification: string;
  duration: string;
  company: string;
  client: string;
  /**
   * The key of a change or incident the request refers to (categories with `linkedTicket`). Only
   * present when given, so requests stored before it existed keep their facts fingerprint.
   */
  linked?: string;
}

export type FactName = keyof Facts;

export const FACT_NAMES: readonly FactName[] = [
  'systems',
  'account',
  'access',
  'justification',
  'duration',
  'company',
  'client',
  'linked',
];

/** A rule of the policy that fired, named so a decision can say why. */
export interface FiredRule {
  id: string;
  description: string;
}

/** One group of approvers that must sign off, and how many distinct people from it. */
export interface ApprovalStep {
  id: string;
  name: string;
  groups: string[];
  users: string[];
  count: number;
  /** Where approvers were found at run time (the requester's manager, a client or system owner). */
  source?: 'manager' | 'client-owner' | 'system-owner';
  /**
   * The people the source named when the request was assessed (already in `users`): recorded, so
   * a later change of manager or owner does not change who could approve this request.
   */
  resolved?: string[];
  remindAfterMs?: number;
  escalateAfterMs?: number;
  escalateTo?: { groups: string[]; users: string[]; mode: 'join' | 'replace' };
  businessHours?: boolean;
  /** When the approvers are mentioned again, and when the fallback joins (set on entering approval). */
  remindAt?: string;
  escalateAt?: string;
  reminded?: boolean;
  escalated?: boolean;
}

/** `/delegate @person until <date>`: an approver's approvals go to another person meanwhile. */
export interface Delegation {
  from: Actor;
  /** The delegator's groups when delegating: the delegate approves for the steps these allow. */
  fromGroups: string[];
  /** Who approves instead: an account id, email or display name as written after the @. */
  to: string;
  until: string;
  at: string;
}

export interface Approval {
  actor: Actor;
  step: string;
  at: string;
  historyId: string;
  /** The approver a delegate signed for (`/delegate`): that approver's vote, counted once. */
  onBehalfOf?: Actor;
}

/** An /extend beyond policy's cap for unapproved extensions, waiting for approvers. */
export interface PendingExtension {
  /** How much longer, in ms, from the expiry at the time of asking. */
  ms: number;
  requestedBy: Actor;
  requestedAt: string;
  approvals: Approval[];
}

export type TimerKind =
  | 'pending-timeout'
  | 'reminder'
  | 'expiry'
  | 'break-glass-deadline'
  | 'approval-reminder'
  | 'escalation';

/**
 * What was looked up before deciding and judged with the request, recorded so the decision can be
 * explained later even when the directory or the linked ticket has changed since.
 */
export interface RecordedContext {
  /** The requester's groups as the ticketing system answered (auto-approval rules test them). */
  requesterGroups?: string[];
  /** The earlier, approved grant this one renews (auto-approval `renewalWithin`). */
  renewalOf?: string | null;
  /** The linked change or incident as read through the connector. */
  linked?: LinkedTicket | null;
}

/** Emergency access granted before approval: approvers must confirm it by the deadline. */
export interface BreakGlass {
  /** Distinct approvers needed after the grant. */
  needed: number;
  deadline: string;
  approvals: Approval[];
  /** When the last approval needed arrived; null while it is still owed. */
  confirmedAt: string | null;
}

/**
 * One shared-credential request: the single document a state change and its pending effects are
 * written to together, so one compare-and-swap makes both durable.
 */
export interface CredentialRequest {
  id: string;
  version: number;
  ticket: TicketRef;
  ticketUrl?: string;
  summary: string;
  state: RequestState;
  category: { id: string; name: string };
  requester: Actor | null;
  facts: Facts;
  factsFingerprint: string;
  missing: FactName[];
  risk: Risk;
  riskRules: FiredRule[];
  path: string;
  steps: ApprovalStep[];
  approvals: Approval[];
  /** Requested duration in ms, null when the requester gave none and policy's default applies. */
  requestedMs: number | null;
  /** Duration that applies once granted: requested, capped by policy. */
  grantMs: number;
  capRule: string | null;
  createdAt: string;
  updatedAt: string;
  pendingSince: string | null;
  grantedAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  endReason: string | null;
  timers: Partial<Record<TimerKind, string>>;
  /** Status-change ids already handled, so a redelivered or replayed change does nothing twice. */
  seenChanges: string[];
  /** Where the access lives: the provider and settings policy chose at grant time (null: builtin). */
  access?: AccessTarget | null;
  /** The client overlay the request was judged under (policy `clients`), null for the base policy. */
  overlay?: string | null;
  /** Delegations made with /delegate on this request. */
  delegations?: Delegation[];
  /** An extension asked for with /extend beyond what policy allows without approval. */
  extension?: PendingExtension | null;
  /** Reply ids already read for lifecycle commands (/revoke, /extend, /status). */
  seenReplies?: string[];
  /** What was looked up before deciding (groups, renewal, linked ticket), as judged. */
  context?: RecordedContext;
  /** The policy rule that approved this request without people, when one did. */
  autoApprovedBy?: string | null;
  /** Set when the request was granted as break-glass access. */
  breakGlass?: BreakGlass | null;
  /** Effects decided but not yet performed, in order: the request's outbox. */
  outbox: Effect[];
  effectSeq: number;
}
