/**
 * The fake's Jira Service Management approvals: one approval step on one workflow status. Entering
 * the status opens an approval (unless one is still open); approvers answer it; the approval is
 * approved once `required` approvers approved and declined at the first decline, like JSM's
 * "Configure approval" (https://confluence.atlassian.com/display/ADMINJIRASERVER0916/Configuring+Jira+Service+Management+approvals).
 */
import type { FakeApproval, FakeApprovalStep } from './types';

/** Why an answer is not accepted, with the HTTP status the servicedeskapi answers. */
export interface ApprovalRefusal {
  status: number;
  message: string;
}

export type AnswerResult = { approval: FakeApproval; moveTo?: string } | { refusal: ApprovalRefusal };

export class ServiceDeskState {
  readonly approvals: FakeApproval[] = [];
  private nextId = 1;

  constructor(
    private readonly step: FakeApprovalStep | undefined,
    private readonly now: () => Date,
  ) {}

  /** An issue entered a status. JSM keeps an approval that is still open rather than opening a second one. */
  entered(issueId: string, status: string): void {
    if (!this.step || !same(status, this.step.status) || this.openApproval(issueId)) return;
    this.approvals.push({
      id: String(this.nextId++),
      issueId,
      name: this.step.name ?? 'Please approve this request',
      required: Math.max(1, Math.min(this.step.required ?? 1, this.step.approvers.length)),
      approvers: this.step.approvers.map((accountId) => ({ accountId, decision: 'pending' })),
      finalDecision: 'pending',
      created: this.now(),
      completed: null,
    });
  }

  of(issueId: string): FakeApproval[] {
    return this.approvals.filter((a) => a.issueId === issueId);
  }

  find(issueId: string, approvalId: string): FakeApproval | undefined {
    return this.approvals.find((a) => a.issueId === issueId && a.id === approvalId);
  }

  openApproval(issueId: string): FakeApproval | undefined {
    return this.approvals.find((a) => a.issueId === issueId && a.finalDecision === 'pending');
  }

  /** True when the approver may still answer: the approval is open, the request in its status, the decision theirs. */
  canAnswer(approval: FakeApproval, status: string, accountId: string): boolean {
    return this.refusal(approval, status, accountId) === undefined;
  }

  /**
   * Records one approver's decision. When it decides the approval, `moveTo` is the status the step
   * moves the request to (the caller makes that transition, as the approver).
   */
  answer(approval: FakeApproval, status: string, accountId: string, decision: 'approve' | 'decline'): AnswerResult {
    const refusal = this.refusal(approval, status, accountId);
    if (refusal) return { refusal };
    const entry = approval.approvers.find((a) => a.accountId === accountId)!;
    entry.decision = decision === 'approve' ? 'approved' : 'declined';
    const approvedBy = approval.approvers.filter((a) => a.decision === 'approved').length;
    if (entry.decision === 'declined' || approvedBy >= approval.required) {
      approval.finalDecision = entry.decision;
      approval.completed = this.now();
      return { approval, moveTo: entry.decision === 'approved' ? this.step?.approveTo : this.step?.declineTo };
    }
    return { approval };
  }

  private refusal(approval: FakeApproval, status: string, accountId: string): ApprovalRefusal | undefined {
    if (approval.finalDecision !== 'pending')
      return { status: 400, message: 'This approval has already been completed.' };
    if (!this.step || !same(status, this.step.status))
      return { status: 400, message: 'This approval is not active: the request is no longer in its approval status.' };
    const entry = approval.approvers.find((a) => a.accountId === accountId);
    if (!entry) return { status: 403, message: 'You are not an approver of this request.' };
    if (entry.decision !== 'pending') return { status: 400, message: 'You have already answered this approval.' };
    return undefined;
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
