import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createJiraConnector } from '../../../connectors/jira';
import type { JiraClient } from '../../../connectors/jira/client';
import { jiraConfigSchema } from '../../../connectors/jira/schema';
import type { JiraHistory, JsmApproval } from '../../../connectors/jira/types';
import { CredgateError } from '../../../src/util/errors';
import { createLogger } from '../../../src/util/logger';

const REF = { connector: 'jira', id: '10001', key: 'CRED-1' };
const log = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

const HISTORY: JiraHistory = {
  id: '10100',
  author: { accountId: 'acc-alice', displayName: 'Alice' },
  created: '2026-11-25T10:00:00.000+0000',
  items: [{ field: 'status', fieldId: 'status', fromString: 'Pending approval', toString: 'Approved' }],
};
const APPROVAL: JsmApproval = {
  id: '1',
  finalDecision: 'pending',
  approvers: [{ approver: { accountId: 'acc-bob', displayName: 'Bob' }, approverDecision: 'approved' }],
  createdDate: { epochMillis: Date.parse('2026-11-25T09:00:00.000Z') },
};

/** A client that answers only what these tests need and records what the connector asked for. */
function stubClient(approvals: () => Promise<JsmApproval[]>) {
  const calls: string[] = [];
  const comments: { body: unknown; options?: { internal?: boolean } }[] = [];
  const client = {
    getChangelog: async () => [HISTORY],
    getApprovals: async () => {
      calls.push('getApprovals');
      return approvals();
    },
    addComment: async (_id: string, body: unknown, options?: { internal?: boolean }) => {
      comments.push({ body, options });
    },
  } as unknown as JiraClient;
  return { client, calls, comments };
}

const connector = (
  serviceManagement: Record<string, unknown>,
  client: JiraClient,
  extra: Record<string, unknown> = {},
) => createJiraConnector(jiraConfigSchema.parse({ serviceManagement, ...extra }), { log, now: Date.now }, client);

describe('jira connector: Jira Service Management', () => {
  it('reads no JSM approvals unless serviceManagement.approvals is on', async () => {
    const { client, calls } = stubClient(async () => [APPROVAL]);
    const changes = await connector({}, client).fetchStatusChanges(REF);
    expect(changes.map((c) => c.id)).to.deep.equal(['10100']);
    expect(calls).to.deep.equal([]);
  });

  it('adds native decisions to the transitions, oldest first', async () => {
    const { client } = stubClient(async () => [APPROVAL]);
    const changes = await connector({ approvals: true }, client).fetchStatusChanges(REF);
    expect(changes.map((c) => `${c.id} ${c.actor.id} ${c.position}`)).to.deep.equal([
      'jsm-approval:1:acc-bob acc-bob approved',
      '10100 acc-alice approved',
    ]);
  });

  it('an issue that is no service desk request has no approvals: its transitions still count', async () => {
    const { client } = stubClient(async () => {
      throw new CredgateError('not-found', 'Jira answered 404 to GET approvals CRED-1');
    });
    const changes = await connector({ approvals: true }, client).fetchStatusChanges(REF);
    expect(changes.map((c) => c.id)).to.deep.equal(['10100']);
  });

  it('any other failure to read approvals fails the read, so nothing is judged on half the history', async () => {
    const { client } = stubClient(async () => {
      throw new CredgateError('auth', 'Jira answered 403 to GET approvals CRED-1');
    });
    let error: unknown;
    await connector({ approvals: true }, client)
      .fetchStatusChanges(REF)
      .catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(CredgateError).and.to.include({ kind: 'auth' });
  });

  it('posts agents-only comments as internal notes only when serviceManagement.internalComments is on', async () => {
    const internal = stubClient(async () => []);
    await connector({ internalComments: true }, internal.client).postComment(REF, 'h4. note', 'agents');
    await connector({ internalComments: true }, internal.client).postComment(REF, 'h4. question', 'requester');
    expect(internal.comments).to.deep.equal([
      { body: 'h4. note', options: { internal: true } },
      { body: 'h4. question', options: { internal: false } },
    ]);
    const open = stubClient(async () => []);
    await connector({}, open.client).postComment(REF, 'h4. note', 'agents');
    expect(open.comments[0].options).to.deep.equal({ internal: false });
  });
});
