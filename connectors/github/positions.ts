import type { WorkflowPosition } from '../../src/domain/ticket';
import type { GithubConfig } from './schema';

/**
 * Where a GitHub issue stands, in credgate's terms. GitHub has no workflow, so credgate keeps one
 * label per position on the issue and closes the issue when the request ends.
 */
type Labels = GithubConfig['labels'];

/** Positions with their label, in the order that decides when a person left two of them. */
const LABEL_KEYS: [WorkflowPosition, keyof Labels][] = [
  ['approved', 'approved'],
  ['declined', 'declined'],
  ['pending-approval', 'pendingApproval'],
  ['awaiting-info', 'awaitingInfo'],
  ['granted', 'granted'],
  ['revoked', 'revoked'],
  ['expired', 'expired'],
  ['revocation-failed', 'revocationFailed'],
];

/** Positions that end a request: credgate closes the issue when it moves there. */
export const TERMINAL_POSITIONS: readonly WorkflowPosition[] = ['revoked', 'declined', 'expired'];

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The label credgate puts on an issue for a position; null when there is none (closed, other). */
export function labelFor(position: WorkflowPosition, labels: Labels): string | null {
  const key = LABEL_KEYS.find(([p]) => p === position)?.[1];
  return (key && labels[key]) || null;
}

/** The position a label stands for, or null when it is not one of credgate's. */
export function positionOfLabel(name: string, labels: Labels): WorkflowPosition | null {
  return LABEL_KEYS.find(([, key]) => labels[key] && same(labels[key] as string, name))?.[0] ?? null;
}

/** Every label credgate manages. */
export function positionLabels(labels: Labels): string[] {
  return LABEL_KEYS.map(([, key]) => labels[key]).filter((n): n is string => Boolean(n));
}

/**
 * An issue's position from its labels and state. A closed issue is 'closed' unless a terminal
 * label says how it ended; an open one takes its first credgate label, else 'other'.
 */
export function positionOfIssue(state: string, labelNames: string[], labels: Labels): WorkflowPosition {
  const found = LABEL_KEYS.filter(
    ([, key]) => labels[key] && labelNames.some((n) => same(n, labels[key] as string)),
  ).map(([p]) => p);
  if (state === 'closed') return found.find((p) => TERMINAL_POSITIONS.includes(p)) ?? 'closed';
  return found[0] ?? 'other';
}
