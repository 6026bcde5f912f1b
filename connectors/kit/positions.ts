import type { WorkflowPosition } from '../../src/domain/ticket';

/** The positions credgate moves a ticket to, and the config key naming each one's status. */
export const SETTABLE_POSITIONS = {
  'awaiting-info': 'awaitingInfo',
  'pending-approval': 'pendingApproval',
  approved: 'approved',
  declined: 'declined',
  granted: 'granted',
  revoked: 'revoked',
  expired: 'expired',
  'revocation-failed': 'revocationFailed',
} as const satisfies Partial<Record<WorkflowPosition, string>>;

type StatusKey = (typeof SETTABLE_POSITIONS)[keyof typeof SETTABLE_POSITIONS];

/** An operator's status per position: a name, a value, or a vendor object such as {id, name}. */
export type Statuses<S> = Partial<Record<StatusKey, S>>;
export type StatusNames = Statuses<string>;

/**
 * The order that decides when an operator maps two positions to one status (expired and declined,
 * say): the first wins.
 */
const LOOKUP_ORDER: (keyof typeof SETTABLE_POSITIONS)[] = [
  'approved',
  'declined',
  'pending-approval',
  'awaiting-info',
  'granted',
  'revoked',
  'expired',
  'revocation-failed',
];

/**
 * Which position a vendor status stands for, by the operator's `statuses` map and the connector's
 * own notion of "the same status" (`matches`). A status in `closed` (checked after the positions)
 * ends a ticket; anything else is 'other'.
 */
export function positionOfStatus<S>(
  matches: (status: S) => boolean,
  statuses: Statuses<S>,
  closed: readonly S[] = [],
): WorkflowPosition {
  for (const position of LOOKUP_ORDER) {
    const status = statuses[SETTABLE_POSITIONS[position]];
    if (status !== undefined && matches(status)) return position;
  }
  return closed.some(matches) ? 'closed' : 'other';
}

/** Every configured status, in lookup order, then the closing ones (for lists of known names). */
export function configuredStatuses<S>(statuses: Statuses<S>, closed: readonly S[] = []): S[] {
  const settable = LOOKUP_ORDER.map((p) => statuses[SETTABLE_POSITIONS[p]]).filter((s): s is S => s !== undefined);
  return [...settable, ...closed];
}

/** Status names compared trimmed and case-insensitively, as most systems show them. */
export const sameName = (value: string) => {
  const v = value.trim().toLowerCase();
  return (name: string) => name.trim().toLowerCase() === v;
};

/** positionOfStatus for statuses known by name; an empty value is 'other'. */
export function positionOfName(
  value: string | null | undefined,
  statuses: StatusNames,
  closed: readonly string[] = [],
): WorkflowPosition {
  if (!(value ?? '').trim()) return 'other';
  return positionOfStatus(sameName(value ?? ''), statuses, closed);
}

/** The operator's status for a position credgate may set; null for positions it never sets. */
export function statusFor<S>(position: WorkflowPosition, statuses: Statuses<S>): S | null {
  const key = SETTABLE_POSITIONS[position as keyof typeof SETTABLE_POSITIONS];
  return (key && statuses[key]) || null;
}
