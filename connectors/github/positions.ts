import type { WorkflowPosition } from '../../src/domain/ticket';
import type { GithubConfig } from './schema';
import { configuredStatuses, POSITION_ORDER, positionOfStatus, statusFor } from '../kit/positions';

/**
 * Where a GitHub issue stands, in credgate's terms. GitHub has no workflow, so credgate keeps one
 * label per position on the issue and closes the issue when the request ends.
 */
type Labels = GithubConfig['labels'];

/** Positions that end a request: credgate closes the issue when it moves there. */
export const TERMINAL_POSITIONS: readonly WorkflowPosition[] = ['revoked', 'declined', 'expired'];

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The label credgate puts on an issue for a position; null when there is none (closed, other). */
export function labelFor(position: WorkflowPosition, labels: Labels): string | null {
  return statusFor(position, labels);
}

/** The position a label stands for, or null when it is not one of credgate's. */
export function positionOfLabel(name: string, labels: Labels): WorkflowPosition | null {
  const position = positionOfStatus((label: string) => same(label, name), labels);
  return position === 'other' ? null : position;
}

/** Every label credgate manages. */
export function positionLabels(labels: Labels): string[] {
  return configuredStatuses(labels);
}

/**
 * An issue's position from its labels and state. A closed issue is 'closed' unless a terminal
 * label says how it ended; an open one takes its first credgate label (in POSITION_ORDER), else 'other'.
 */
export function positionOfIssue(state: string, labelNames: string[], labels: Labels): WorkflowPosition {
  const found = POSITION_ORDER.filter((p) => {
    const label = labelFor(p, labels);
    return label && labelNames.some((n) => same(n, label));
  });
  if (state === 'closed') return found.find((p) => TERMINAL_POSITIONS.includes(p)) ?? 'closed';
  return found[0] ?? 'other';
}
