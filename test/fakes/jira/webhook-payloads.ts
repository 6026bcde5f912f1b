/**
 * Builds Jira Cloud webhook bodies from the fake's mutations, shaped like the real samples in
 * fixtures/jira-cloud/ (mattermost-plugin-jira testdata): jira:issue_created, jira:issue_updated
 * (issue_generic for transitions, issue_updated for field edits) and comment_created.
 */
import type { IssueState, JiraState, Mutation } from './jira-state';
import { commentJson, slimIssueJson, userJson, webhookIssueJson } from './jira-render';
import { plainText } from './jira-format';

export interface WebhookPayload {
  event: string;
  payload: Record<string, unknown>;
}

export function webhookPayload(state: JiraState, mutation: Mutation): WebhookPayload {
  const timestamp = state.now().getTime();
  switch (mutation.kind) {
    case 'created':
      return {
        event: 'jira:issue_created',
        payload: {
          timestamp,
          webhookEvent: 'jira:issue_created',
          issue_event_type_name: 'issue_created',
          user: userJson(state, mutation.actorId),
          issue: webhookIssueJson(state, mutation.issue),
          changelog: mutation.changelog,
        },
      };
    case 'updated':
      return {
        event: 'jira:issue_updated',
        payload: {
          timestamp,
          webhookEvent: 'jira:issue_updated',
          issue_event_type_name: mutation.eventType,
          user: userJson(state, mutation.actorId),
          issue: webhookIssueJson(state, mutation.issue),
          changelog: { id: mutation.history.id, items: mutation.history.items },
        },
      };
    case 'commented': {
      // Cloud webhooks carry the comment body as a wiki-markup string even when it was written as ADF.
      const comment = {
        ...commentJson(state, mutation.issue, mutation.comment, 2),
        body: plainText(mutation.comment.body) ?? '',
      };
      return {
        event: 'comment_created',
        payload: { timestamp, webhookEvent: 'comment_created', comment, issue: slimIssueJson(state, mutation.issue) },
      };
    }
  }
}

/**
 * jira:issue_updated for a JSM approval decision that did not decide the approval (a decision that
 * does moves the request, and that transition's delivery is the one Jira sends). JSM keeps decisions
 * out of the changelog, so this body has none; Atlassian publishes no sample, so its shape is a guess
 * built from the deliveries above.
 */
export function approvalAnsweredPayload(state: JiraState, issue: IssueState, actorId: string): WebhookPayload {
  return {
    event: 'jira:issue_updated',
    payload: {
      timestamp: state.now().getTime(),
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: userJson(state, actorId),
      issue: webhookIssueJson(state, issue),
    },
  };
}
