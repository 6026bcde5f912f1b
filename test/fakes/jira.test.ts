import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { type AxiosResponse } from 'axios';
import { expect } from 'chai';
import express from 'express';
import { Version2Client, Version3Client } from 'jira.js';
import { loadContract } from './jira/contract-validator';
import { FakeJira, type FakeJiraOptions } from './jira/fake-jira';
import { handlers } from './jira/rest-handlers';

const EMAIL = 'credgate-bot@example.com';
const TOKEN = 'api-token-123';
const SECRET = 'webhook-secret';
const STATUSES = [
  'Open',
  'Waiting for requester',
  'Pending approval',
  'Approved',
  'Declined',
  'Access granted',
  'Access revoked',
  'Done',
];

const users: FakeJiraOptions['users'] = [
  { accountId: 'acc-alice', displayName: 'Alice Requester', emailAddress: 'alice@example.com', groups: ['jira-users'] },
  { accountId: 'acc-bob', displayName: 'Bob Approver', name: 'bob', groups: ['jira-users', 'approvers'] },
  { accountId: 'acc-credgate', displayName: 'credgate', groups: ['jira-users', 'automation'] },
];

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A tiny webhook receiver standing in for credgate. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  respondWith: { status: number };
  server: Server;
}> {
  const received: Received[] = [];
  const respondWith = { status: 202 };
  const app = express();
  app.post('/webhooks/jira', express.raw({ type: () => true }), (req, res) => {
    received.push({ headers: req.headers, raw: req.body as Buffer });
    res.status(respondWith.status).send('ok');
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/jira`,
    received,
    respondWith,
    server,
  };
}

function basic(email: string, token: string): string {
  return `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
}

describe('FakeJira', () => {
  let fake: FakeJira;
  let base: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let http: (method: string, path: string, data?: unknown, auth?: string) => Promise<AxiosResponse>;

  beforeEach(async () => {
    receiver = await startReceiver();
    fake = new FakeJira({
      email: EMAIL,
      apiToken: TOKEN,
      users,
      statuses: STATUSES,
      serviceAccountId: 'acc-credgate',
      webhook: { url: receiver.url, secret: SECRET },
      // These tests pin the fake's own contract checks; Prism's are in prism-validation.test.ts.
      prism: false,
    });
    base = await fake.start();
    http = (method, path, data, auth = basic(EMAIL, TOKEN)) =>
      axios.request({
        method,
        url: `${base}${path}`,
        data,
        headers: { Authorization: auth },
        validateStatus: () => true,
      });
  });

  afterEach(async () => {
    await fake.stop();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  });

  async function newIssue(summary = 'Need the prod DB password'): Promise<string> {
    const { key } = await fake.createIssue('acc-alice', {
      project: 'CRED',
      issueType: 'Access request',
      summary,
      description: 'Why: on-call\n\nFor: 2h',
    });
    return key;
  }

  describe('contract enforcement', () => {
    it('serves every operation of contract.json', () => {
      const contract = loadContract();
      expect(contract.operations.length).to.be.greaterThan(10);
      expect(contract.operations.map((o) => o.operationId).filter((id) => !(id in handlers))).to.deep.equal([]);
    });

    it('answers 401 without or with wrong credentials', async () => {
      const none = await axios.get(`${base}/rest/api/2/myself`, { validateStatus: () => true });
      expect(none.status).to.equal(401);
      expect(none.data.errorMessages[0]).to.match(/not authenticated/);
      const wrong = await http('GET', '/rest/api/2/myself', undefined, basic(EMAIL, 'nope'));
      expect(wrong.status).to.equal(401);
    });

    it('rejects a v3 comment whose body is a string, like Jira', async () => {
      const key = await newIssue();
      const res = await http('POST', `/rest/api/3/issue/${key}/comment`, { body: 'plain text' });
      expect(res.status).to.equal(400);
      expect(res.data.errors).to.have.property('comment');
      expect(fake.violations).to.have.length(1);
      expect(fake.violations[0]).to.match(/addComment body \(v3\)/);
      expect(fake.comments(key)).to.deep.equal([]);
    });

    it('accepts a v2 comment with a string body and rejects an object body', async () => {
      const key = await newIssue();
      const ok = await http('POST', `/rest/api/2/issue/${key}/comment`, { body: 'Approved by policy' });
      expect(ok.status).to.equal(201);
      expect(ok.data.author.accountId).to.equal('acc-credgate');
      expect(ok.data.body).to.equal('Approved by policy');
      expect(fake.violations).to.deep.equal([]);
      const bad = await http('POST', `/rest/api/2/issue/${key}/comment`, {
        body: { type: 'doc', version: 1, content: [] },
      });
      expect(bad.status).to.equal(400);
      expect(fake.violations).to.have.length(1);
      expect(fake.commentTexts(key)).to.deep.equal(['Approved by policy']);
    });

    it('rejects a transition without transition.id, unknown paths and wrong methods', async () => {
      const key = await newIssue();
      expect(
        (await http('POST', `/rest/api/2/issue/${key}/transitions`, { transition: { name: 'Approved' } })).status,
      ).to.equal(400);
      expect((await http('GET', '/rest/api/2/issue/CRED-1/watchers')).status).to.equal(404);
      expect((await http('DELETE', `/rest/api/2/issue/${key}`)).status).to.equal(405);
      expect((await http('GET', '/rest/api/3/user/groups')).status).to.equal(400);
      expect((await http('GET', '/rest/api/2/issue/CRED-1/changelog?maxResults=many')).status).to.equal(400);
      expect(fake.violations).to.have.length(5);
      expect(fake.statusOf(key)).to.equal('Open');
    });

    it('answers 404 for an unknown issue and 400 for a transition not available from the current status', async () => {
      const missing = await http('GET', '/rest/api/2/issue/CRED-99');
      expect(missing.status).to.equal(404);
      expect(missing.data.errorMessages).to.deep.equal([
        'Issue does not exist or you do not have permission to see it.',
      ]);
      const restricted = new FakeJira({
        email: EMAIL,
        apiToken: TOKEN,
        users,
        statuses: STATUSES,
        serviceAccountId: 'acc-credgate',
        transitions: { Open: ['Pending approval'] },
      });
      const url = await restricted.start();
      try {
        const { key } = await restricted.createIssue('acc-alice', { project: 'CRED', issueType: 'Task', summary: 's' });
        const client = new Version2Client({ host: url, authentication: { basic: { email: EMAIL, apiToken: TOKEN } } });
        const { transitions } = await client.issues.getTransitions({ issueIdOrKey: key });
        expect(transitions?.map((t) => t.name)).to.deep.equal(['Pending approval']);
        const res = await axios.post(
          `${url}/rest/api/2/issue/${key}/transitions`,
          { transition: { id: '41' } },
          { headers: { Authorization: basic(EMAIL, TOKEN) }, validateStatus: () => true },
        );
        expect(res.status).to.equal(400);
        expect(res.data.errorMessages).to.deep.equal(["Transition id '41' is not valid for this issue."]);
        expect(restricted.violations).to.deep.equal([]);
      } finally {
        await restricted.stop();
      }
    });

    it('fails the next calls as told, before auth and routing', async () => {
      fake.failNext(2, 503, { 'Retry-After': '7' });
      const first = await http('GET', '/rest/api/2/myself', undefined, 'Basic bogus');
      expect(first.status).to.equal(503);
      expect(first.headers['retry-after']).to.equal('7');
      expect((await http('GET', '/rest/api/2/nowhere')).status).to.equal(503);
      expect((await http('GET', '/rest/api/2/myself')).status).to.equal(200);
      expect(fake.requests.map((r) => r.status)).to.deep.equal([503, 503, 200]);
    });
  });

  describe('jira.js clients', () => {
    it('Version2Client: myself, issue, comment, transitions, changelog, groups, search', async () => {
      const key = await newIssue();
      await fake.editAs('acc-alice', key, { customfield_10050: 'prod-db' });
      const client = new Version2Client({ host: base, authentication: { basic: { email: EMAIL, apiToken: TOKEN } } });

      expect((await client.myself.getCurrentUser()).accountId).to.equal('acc-credgate');
      const issue = await client.issues.getIssue({
        issueIdOrKey: key,
        fields: ['summary', 'status', 'description', 'customfield_10050', 'reporter'],
      });
      expect(issue.fields.summary).to.equal('Need the prod DB password');
      expect(issue.fields.description).to.equal('Why: on-call\n\nFor: 2h');
      expect(issue.fields.status.name).to.equal('Open');
      expect(issue.fields.status.statusCategory?.key).to.equal('new');
      expect(issue.fields.reporter?.accountId).to.equal('acc-alice');
      expect((issue.fields as Record<string, unknown>).customfield_10050).to.equal('prod-db');
      expect(issue.fields).not.to.have.property('labels');

      const comment = await client.issueComments.addComment({
        issueIdOrKey: key,
        comment: 'Your request is pending approval.',
      });
      // jira.js 5 types the v2 comment body as `comment`, but Jira (and the fake) answer with `body`.
      expect((comment as { body?: unknown }).body).to.equal('Your request is pending approval.');
      const comments = await client.issueComments.getComments({ issueIdOrKey: key, orderBy: 'created' });
      expect(comments.total).to.equal(1);

      const { transitions = [] } = await client.issues.getTransitions({ issueIdOrKey: key });
      expect(transitions.map((t) => t.name)).to.deep.equal(STATUSES.filter((s) => s !== 'Open'));
      const pending = transitions.find((t) => t.name === 'Pending approval');
      await client.issues.doTransition({ issueIdOrKey: key, transition: { id: String(pending?.id) } });
      expect(fake.statusOf(key)).to.equal('Pending approval');

      const changelog = await client.issues.getChangeLogs({ issueIdOrKey: key });
      expect(changelog.total).to.equal(2);
      const last = changelog.values?.[1];
      expect(last?.author?.accountId).to.equal('acc-credgate');
      expect(last?.items?.[0]).to.include({ field: 'status', fromString: 'Open', toString: 'Pending approval' });

      const groups = await client.users.getUserGroups({ accountId: 'acc-bob' });
      expect(groups.map((g) => g.name)).to.deep.equal(['jira-users', 'approvers']);
      const bob = await client.users.getUser({ accountId: 'acc-bob', expand: 'groups' });
      expect(bob.groups?.items?.map((g) => g.name)).to.deep.equal(['jira-users', 'approvers']);
      const members = await client.groups.getUsersFromGroup({ groupname: 'approvers' });
      expect(members.values?.map((u) => u.accountId)).to.deep.equal(['acc-bob']);

      const other = await newIssue('second');
      const found = await client.issueSearch.searchForIssuesUsingJql({
        jql: 'project = CRED AND status in ("Pending approval", "Approved")',
      });
      expect(found.issues?.map((i) => i.key)).to.deep.equal([key]);
      const byKey = await client.issueSearch.searchForIssuesUsingJqlPost({
        jql: `issuekey in (${key}, ${other}) ORDER BY key ASC`,
        fields: ['status'],
      });
      expect(byKey.issues?.map((i) => i.key)).to.deep.equal([key, other]);
      expect(byKey.issues?.[0].fields.status.name).to.equal('Pending approval');

      expect(fake.violations).to.deep.equal([]);
      expect(fake.requests.every((r) => r.status < 300)).to.equal(true);
    });

    it('Version3Client: ADF comments and descriptions, enhanced search', async () => {
      const key = await newIssue();
      const client = new Version3Client({ host: base, authentication: { basic: { email: EMAIL, apiToken: TOKEN } } });

      expect((await client.myself.getCurrentUser()).accountId).to.equal('acc-credgate');
      const issue = await client.issues.getIssue({ issueIdOrKey: key });
      expect(issue.fields.description).to.deep.include({ type: 'doc', version: 1 });

      const doc = {
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Granted until 18:00.' }] }],
      };
      await client.issueComments.addComment({ issueIdOrKey: key, comment: doc as never });
      expect(fake.comments(key)[0].body).to.deep.equal(doc);
      expect(fake.commentTexts(key)).to.deep.equal(['Granted until 18:00.']);
      const v2 = await http('GET', `/rest/api/2/issue/${key}/comment`);
      expect(v2.data.comments[0].body).to.equal('Granted until 18:00.');

      const { transitions = [] } = await client.issues.getTransitions({ issueIdOrKey: key });
      await client.issues.doTransition({
        issueIdOrKey: key,
        transition: { id: String(transitions.find((t) => t.name === 'Declined')?.id) },
      });
      expect(fake.statusOf(key)).to.equal('Declined');
      const changelog = await client.issues.getChangeLogs({ issueIdOrKey: key, maxResults: 1 });
      expect(changelog.values?.[0].items?.[0].toString).to.equal('Declined');
      expect((await client.users.getUserGroups({ accountId: 'acc-alice' })).map((g) => g.name)).to.deep.equal([
        'jira-users',
      ]);

      const result = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql: 'project = CRED AND status = Declined',
        fields: ['status'],
      });
      expect(result.issues?.map((i) => i.key)).to.deep.equal([key]);

      expect(fake.violations).to.deep.equal([]);
    });

    it('answers bad JQL with 400 like Jira (unknown status, unknown issue key)', async () => {
      await newIssue();
      const client = new Version2Client({ host: base, authentication: { basic: { email: EMAIL, apiToken: TOKEN } } });
      const status = await http('GET', `/rest/api/2/search?jql=${encodeURIComponent('status = "Aproved"')}`);
      expect(status.status).to.equal(400);
      expect(status.data.errorMessages).to.deep.equal(["The value 'Aproved' does not exist for the field 'status'."]);
      const error = await client.issueSearch
        .searchForIssuesUsingJqlPost({ jql: 'issuekey in (CRED-1, CRED-404)' })
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(Error);
      expect((error as { status?: number }).status).to.equal(400);
      expect(fake.violations).to.have.length(2);
      expect(fake.violations[1]).to.match(/An issue with key 'CRED-404' does not exist/);
    });
  });

  describe('webhooks', () => {
    it('signs each delivery with X-Hub-Signature over the raw body', async () => {
      const { key, delivery } = await fake.createIssue('acc-alice', {
        project: 'CRED',
        issueType: 'Access request',
        summary: 'Need access',
        labels: ['prod'],
      });
      expect(delivery?.status).to.equal(202);
      const [got] = receiver.received;
      expect(got.headers['content-type']).to.equal('application/json');
      expect(got.headers['x-atlassian-webhook-retry']).to.equal('0');
      expect(got.headers['x-atlassian-webhook-identifier']).to.be.a('string').and.not.equal('');
      const expected = `sha256=${createHmac('sha256', SECRET).update(got.raw).digest('hex')}`;
      expect(got.headers['x-hub-signature']).to.equal(expected);

      const payload = JSON.parse(got.raw.toString('utf8'));
      expect(payload).to.include({ webhookEvent: 'jira:issue_created', issue_event_type_name: 'issue_created' });
      expect(payload.timestamp).to.be.a('number');
      expect(payload.user.accountId).to.equal('acc-alice');
      expect(payload.issue).to.include({ key });
      expect(payload.issue.fields).to.include({ summary: 'Need access' });
      expect(payload.issue.fields.labels).to.deep.equal(['prod']);
      expect(payload.issue.fields.status).to.deep.include({ name: 'Open' });
      expect(payload.changelog.items.map((i: { fieldId: string }) => i.fieldId)).to.include('status');
    });

    it('delivers transitions, edits and comments like Jira Cloud', async () => {
      const key = await newIssue();
      fake.setWebhook({ url: receiver.url, secret: SECRET });
      await fake.transitionAs('acc-bob', key, 'Approved');
      await fake.editAs('acc-alice', key, { customfield_10050: 'prod-db' });
      await fake.commentAs('acc-bob', key, 'LGTM');
      const [, transition, edit, comment] = receiver.received.map((r) => JSON.parse(r.raw.toString('utf8')));
      expect(transition).to.include({ webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic' });
      expect(transition.user.accountId).to.equal('acc-bob');
      expect(transition.changelog.items).to.deep.equal([
        {
          field: 'status',
          fieldtype: 'jira',
          fieldId: 'status',
          from: '10000',
          fromString: 'Open',
          to: '10003',
          toString: 'Approved',
        },
      ]);
      expect(edit).to.include({ webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_updated' });
      expect(edit.changelog.items[0]).to.include({
        fieldtype: 'custom',
        fieldId: 'customfield_10050',
        fromString: null,
        toString: 'prod-db',
      });
      expect(Object.keys(comment).sort()).to.deep.equal(['comment', 'issue', 'timestamp', 'webhookEvent']);
      expect(comment.webhookEvent).to.equal('comment_created');
      expect(comment.comment).to.include({ body: 'LGTM', jsdPublic: true });
      expect(comment.comment.author.accountId).to.equal('acc-bob');
      expect(Object.keys(comment.issue.fields).sort()).to.deep.equal([
        'assignee',
        'issuetype',
        'priority',
        'project',
        'status',
        'summary',
      ]);
      expect(fake.issue(key).history.map((h) => h.author.accountId)).to.deep.equal(['acc-bob', 'acc-alice']);
    });

    it('redelivers with the same body and identifier; can break or drop the signature', async () => {
      await newIssue();
      receiver.respondWith.status = 500;
      expect((await fake.commentAs('acc-alice', 'CRED-1', 'hello'))?.status).to.equal(500);
      receiver.respondWith.status = 200;
      expect((await fake.redeliverLast())?.status).to.equal(200);
      const [, first, again] = receiver.received;
      expect(again.raw.equals(first.raw)).to.equal(true);
      expect(again.headers['x-atlassian-webhook-identifier']).to.equal(first.headers['x-atlassian-webhook-identifier']);
      expect(again.headers['x-atlassian-webhook-retry']).to.equal('1');

      await fake.deliver({ webhookEvent: 'comment_created' }, { badSignature: true, identifier: 'fixed-id' });
      const bad = receiver.received[3];
      expect(bad.headers['x-atlassian-webhook-identifier']).to.equal('fixed-id');
      expect(bad.headers['x-hub-signature']).to.not.equal(
        `sha256=${createHmac('sha256', SECRET).update(bad.raw).digest('hex')}`,
      );
      await fake.deliver({ webhookEvent: 'comment_created' }, { noSignature: true });
      expect(receiver.received[4].headers).to.not.have.property('x-hub-signature');
    });

    it("does not echo credgate's own REST changes unless echoOwnEvents is set", async () => {
      const key = await newIssue();
      await http('POST', `/rest/api/2/issue/${key}/comment`, { body: 'mine' });
      await fake.idle();
      expect(receiver.received).to.have.length(1);

      const echo = new FakeJira({
        email: EMAIL,
        apiToken: TOKEN,
        users,
        statuses: STATUSES,
        serviceAccountId: 'acc-credgate',
        webhook: { url: receiver.url },
        echoOwnEvents: true,
      });
      const url = await echo.start();
      try {
        const { key: k } = await echo.createIssue('acc-alice', { project: 'CRED', issueType: 'Task', summary: 's' });
        await axios.post(
          `${url}/rest/api/2/issue/${k}/comment`,
          { body: 'mine' },
          { headers: { Authorization: basic(EMAIL, TOKEN) } },
        );
        await axios.post(
          `${url}/rest/api/2/issue/${k}/transitions`,
          { transition: { id: '31' } },
          { headers: { Authorization: basic(EMAIL, TOKEN) } },
        );
        await echo.idle();
        const events = receiver.received.slice(2).map((r) => JSON.parse(r.raw.toString('utf8')));
        expect(events.map((e) => e.webhookEvent)).to.deep.equal(['comment_created', 'jira:issue_updated']);
        expect(events[0].comment.author.accountId).to.equal('acc-credgate');
        expect(events[1].user.accountId).to.equal('acc-credgate');
        expect(receiver.received[2].headers).to.not.have.property('x-hub-signature');
      } finally {
        await echo.stop();
      }
    });
  });
});
