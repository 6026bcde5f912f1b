/**
 * Handlers for the Jira Service Management REST API (servicedeskapi) operations in contract.json:
 * a request's approvals. Shapes follow the reference
 * (https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/): paged DTOs with
 * start/limit/isLastPage/_links, dates as {iso8601, jira, friendly, epochMillis}, errors as
 * {errorMessage, i18nErrorMessage}.
 */
import type { IssueState, JiraState } from './jira-state';
import type { RestContext, RestResult } from './rest-handlers';
import type { FakeApproval } from './types';
import { jiraTime } from './jira-format';

type Handler = (ctx: RestContext) => RestResult;

/** The servicedeskapi's error body (not the platform's {errorMessages, errors}). */
export function serviceDeskError(errorMessage: string, i18nKey: string): Record<string, unknown> {
  return { errorMessage, i18nErrorMessage: { i18nKey, parameters: [] } };
}

const NOT_FOUND: RestResult = {
  status: 404,
  body: serviceDeskError(
    'The request does not exist or you do not have permission to see it.',
    'sd.customer.request.not.found',
  ),
};

function sdDate(date: Date): Record<string, unknown> {
  return {
    iso8601: date.toISOString().replace(/\.\d{3}Z$/, '+0000'),
    jira: jiraTime(date),
    friendly: date.toUTCString(),
    epochMillis: date.getTime(),
  };
}

/** A user as the servicedeskapi shows it (UserDTO); `name`/`key` only for Data Center usernames. */
function sdUser(state: JiraState, accountId: string): Record<string, unknown> {
  const user = state.user(accountId);
  const rest = `${state.baseUrl}/rest/api/2/user?accountId=${encodeURIComponent(accountId)}`;
  return {
    accountId,
    ...(user?.name ? { name: user.name, key: user.name } : {}),
    ...(user?.emailAddress ? { emailAddress: user.emailAddress } : {}),
    displayName: user?.displayName ?? accountId,
    active: user !== undefined,
    timeZone: 'Etc/UTC',
    _links: { jiraRest: rest, self: rest },
  };
}

export function approvalJson(state: JiraState, issue: IssueState, approval: FakeApproval): Record<string, unknown> {
  return {
    id: approval.id,
    name: approval.name,
    finalDecision: approval.finalDecision,
    canAnswerApproval: state.serviceDesk.canAnswer(approval, issue.status, state.serviceAccountId),
    approvers: approval.approvers.map((a) => ({ approver: sdUser(state, a.accountId), approverDecision: a.decision })),
    createdDate: sdDate(approval.created),
    ...(approval.completed ? { completedDate: sdDate(approval.completed) } : {}),
    _links: { self: `${state.baseUrl}/rest/servicedeskapi/request/${issue.id}/approval/${approval.id}` },
  };
}

function one(ctx: RestContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

function withRequest(fn: (ctx: RestContext, issue: IssueState) => RestResult): Handler {
  return (ctx) => {
    const issue = ctx.state.findIssue(ctx.pathParams.issueIdOrKey ?? '');
    return issue ? fn(ctx, issue) : NOT_FOUND;
  };
}

function withApproval(fn: (ctx: RestContext, issue: IssueState, approval: FakeApproval) => RestResult): Handler {
  return withRequest((ctx, issue) => {
    const approval = ctx.state.serviceDesk.find(issue.id, ctx.pathParams.approvalId ?? '');
    if (!approval)
      return {
        status: 404,
        body: serviceDeskError(
          `The approval with ID ${ctx.pathParams.approvalId} does not exist.`,
          'sd.approval.error.not.found',
        ),
      };
    return fn(ctx, issue, approval);
  });
}

export const serviceDeskHandlers: Record<string, Handler> = {
  getApprovals: withRequest((ctx, issue) => {
    const start = Number(one(ctx, 'start') ?? 0);
    const limit = Math.min(Number(one(ctx, 'limit') ?? 50), 100);
    const all = ctx.state.serviceDesk.of(issue.id);
    const values = all.slice(start, start + limit).map((a) => approvalJson(ctx.state, issue, a));
    const isLastPage = start + limit >= all.length;
    const self = `${ctx.state.baseUrl}/rest/servicedeskapi/request/${issue.id}/approval?start=${start}&limit=${limit}`;
    const links: Record<string, string> = { base: `${ctx.state.baseUrl}/rest/servicedeskapi`, context: '', self };
    if (!isLastPage) links.next = self.replace(/start=\d+/, `start=${start + limit}`);
    if (start > 0) links.prev = self.replace(/start=\d+/, `start=${Math.max(0, start - limit)}`);
    return {
      status: 200,
      body: { _expands: [], size: values.length, start, limit, isLastPage, _links: links, values },
    };
  }),

  getApprovalById: withApproval((ctx, issue, approval) => ({
    status: 200,
    body: approvalJson(ctx.state, issue, approval),
  })),

  // People answer approvals; credgate never should. A call is answered as credgate's own account would be.
  answerApproval: withApproval((ctx, issue, approval) => {
    const decision = (ctx.body as { decision: 'approve' | 'decline' }).decision;
    const result = ctx.state.serviceDesk.answer(approval, issue.status, ctx.state.serviceAccountId, decision);
    if ('refusal' in result) {
      ctx.violation(`answerApproval refused: ${result.refusal.message}`);
      return {
        status: result.refusal.status,
        body: serviceDeskError(result.refusal.message, 'sd.approval.error.answer'),
      };
    }
    if (result.moveTo)
      ctx.emit(
        ctx.state.transition(ctx.state.serviceAccountId, issue, ctx.state.statusName(result.moveTo) ?? result.moveTo),
      );
    return { status: 200, body: approvalJson(ctx.state, issue, result.approval) };
  }),
};
