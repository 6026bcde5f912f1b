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

export type StatusNames = Partial<Record<(typeof SETTABLE_POSITIONS)[keyof typeof SETTABLE_POSITIONS], string>>;

/**
 * Which position a vendor status value stands for, by the operator's `statuses` map, compared
 * case-insensitively. Order matters where an operator maps two positions to one value (expired and
 * declined, say): the first in SETTABLE_POSITIONS wins. `closed` lists values that end a ticket.
 */
export function positionOfStatus(
  value: string | null | undefined,
  statuses: StatusNames,
  closed: readonly string[] = [],
): WorkflowPosition {
  const v = (value ?? '').trim().toLowerCase();
  if (!v) return 'other';
  if (closed.some((c) => c.trim().toLowerCase() === v)) return 'closed';
  const order: WorkflowPosition[] = [
    'approved',
    'declined',
    'pending-approval',
    'awaiting-info',
    'granted',
    'revoked',
    'expired',
    'revocation-failed',
  ];
  for (const position of order) {
    const name = statuses[SETTABLE_POSITIONS[position as keyof typeof SETTABLE_POSITIONS]];
    if (name && name.trim().toLowerCase() === v) return position;
  }
  return 'other';
}

/** The vendor status value for a position credgate may set; null for positions it never sets. */
export function statusFor(position: WorkflowPosition, statuses: StatusNames): string | null {
  const key = SETTABLE_POSITIONS[position as keyof typeof SETTABLE_POSITIONS];
  return (key && statuses[key]) || null;
}
