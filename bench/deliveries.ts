/**
 * Signed Jira Cloud deliveries for the load generator: a real `jira:issue_updated` body
 * (test/fixtures/jira-cloud/issue_updated-status-todo-to-inprogress.json) re-pointed at an issue of
 * the configured project, made unique per request (its `timestamp`), with a unique
 * X-Atlassian-Webhook-Identifier and `X-Hub-Signature: sha256=<HMAC of the raw body>`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ISSUE_TYPE, PROJECT, REPO } from './common';

export const FIXTURE = 'test/fixtures/jira-cloud/issue_updated-status-todo-to-inprogress.json';

export interface IssueRef {
  id: string;
  key: string;
}

/** The fixture's body for one issue, without its leading `{"timestamp":N,`, so a request only prepends that. */
function bodyTail(issue: IssueRef): string {
  const fixture = JSON.parse(readFileSync(resolve(REPO, FIXTURE), 'utf8')) as Record<string, any>;
  const { timestamp: _t, ...rest } = fixture;
  rest.issue.id = issue.id;
  rest.issue.key = issue.key;
  rest.issue.self = rest.issue.self.replace(/\/issue\/\d+$/, `/issue/${issue.id}`);
  rest.issue.fields.project.key = PROJECT;
  rest.issue.fields.project.name = 'Credentials';
  rest.issue.fields.issuetype.name = ISSUE_TYPE;
  return JSON.stringify(rest).slice(1);
}

export interface SignedDelivery {
  body: Buffer;
  headers: Record<string, string>;
}

/** Yields a different, correctly signed delivery on every call, cycling over `issues`. */
export function deliveryFactory(issues: IssueRef[], secret: string): () => SignedDelivery {
  if (issues.length === 0) throw new Error('deliveryFactory needs at least one issue');
  const tails = issues.map(bodyTail);
  const run = randomUUID().slice(0, 8);
  let n = 0;
  return () => {
    const i = n++;
    const body = Buffer.from(`{"timestamp":${Date.now()},${tails[i % tails.length]}`, 'utf8');
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Atlassian Webhook HTTP Client',
        'x-atlassian-webhook-identifier': `bench-${run}-${i}`,
        'x-atlassian-webhook-retry': '0',
        'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
    };
  };
}
