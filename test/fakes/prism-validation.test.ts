import axios from 'axios';
import { expect } from 'chai';
import { FakeGitHub } from './github/fake-github';
import { FakeJira } from './jira/fake-jira';
import { requestViolations } from './prism-validator';

const EMAIL = 'credgate-bot@example.com';
const TOKEN = 'api-token-123';
const basic = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;
const prismLines = (violations: readonly string[]) => violations.filter((v) => v.startsWith('prism '));

/**
 * The fakes hand every request to Prism with the vendor's own OpenAPI description: a call the
 * vendor's description forbids fails the test even where the fake's own contract would let it pass.
 */
describe('fakes: every request checked by Prism against the vendor OpenAPI description', function () {
  this.timeout(90_000);

  describe('Jira (Atlassian platform REST API v3; v2 paths checked as v3)', () => {
    let fake: FakeJira;
    let base: string;
    let key: string;
    const http = () => axios.create({ baseURL: base, validateStatus: () => true, headers: { Authorization: basic } });

    before(async () => {
      fake = new FakeJira({
        email: EMAIL,
        apiToken: TOKEN,
        users: [
          { accountId: 'acc-alice', displayName: 'Alice', emailAddress: 'alice@example.com', groups: ['jira-users'] },
          { accountId: 'acc-credgate', displayName: 'credgate', groups: ['jira-users'] },
        ],
        statuses: ['Open', 'Approved', 'Done'],
        serviceAccountId: 'acc-credgate',
      });
      base = await fake.start();
      ({ key } = await fake.createIssue('acc-alice', { project: 'CRED', issueType: 'Access request', summary: 'vpn' }));
    });
    beforeEach(() => fake.clearRecords());
    after(() => fake.stop());

    it('well-formed v3 and v2 calls pass with no violation', async () => {
      const transitions = await http().get(`/rest/api/3/issue/${key}/transitions`);
      expect(transitions.status).to.equal(200);
      const to = transitions.data.transitions.find((t: { name: string }) => t.name === 'Approved');
      expect(
        (await http().post(`/rest/api/3/issue/${key}/transitions`, { transition: { id: to.id } })).status,
      ).to.equal(204);
      expect((await http().post(`/rest/api/2/issue/${key}/comment`, { body: 'wiki *text*' })).status).to.equal(201);
      expect((await http().get(`/rest/api/2/issue/${key}?fields=status,summary`)).status).to.equal(200);
      expect(fake.violations).to.deep.equal([]);
    });

    it('a malformed transition body is caught by Prism, naming the property', async () => {
      await http().post(`/rest/api/3/issue/${key}/transitions`, { transition: '31' });
      expect(prismLines(fake.violations)).to.have.length(1);
      expect(prismLines(fake.violations)[0]).to.include('request.body.transition').and.include('must be object');
    });

    it('a malformed v2 call is caught too', async () => {
      await http().get(`/rest/api/2/group/member?groupname=jira-users&maxResults=lots`);
      expect(prismLines(fake.violations).join('\n'))
        .to.include('/rest/api/3/group/member')
        .and.match(/query\.maxresults.*must be integer/i);
    });

    it('a call without credentials breaks the description security, and an operation it lacks is named', async () => {
      await axios.get(`${base}/rest/api/3/myself`, { validateStatus: () => true });
      await http().delete('/rest/api/3/myself');
      const lines = prismLines(fake.violations).join('\n');
      expect(lines).to.include('GET /rest/api/3/myself').and.include('security');
      expect(lines).to.include('no DELETE /rest/api/3/myself');
    });
  });

  describe('GitHub (api.github.com, @octokit/openapi)', () => {
    let fake: FakeGitHub;
    let base: string;
    const http = () =>
      axios.create({
        baseURL: base,
        validateStatus: () => true,
        headers: { Authorization: 'token gh-token', Accept: 'application/vnd.github+json' },
      });

    before(async () => {
      fake = new FakeGitHub({
        users: [{ login: 'bot' }, { login: 'rita' }],
        repositories: [{ fullName: 'acme/req', collaborators: { bot: 'write' } }],
        tokens: { 'gh-token': 'bot' },
      });
      base = await fake.start();
      await fake.openIssue('rita', 'acme/req', { title: 'x', labels: ['credential-request'] });
    });
    after(() => fake.stop());

    it('a well-formed comment passes; one without its required body is caught', async () => {
      expect((await http().post('/repos/acme/req/issues/1/comments', { body: 'hello' })).status).to.equal(201);
      expect(fake.violations).to.deep.equal([]);
      await http().post('/repos/acme/req/issues/1/comments', { text: 'hello' });
      expect(prismLines(fake.violations).join('\n'))
        .to.include('POST /repos/acme/req/issues/1/comments')
        .and.include("required property 'body'");
    });

    it('a label list of the wrong shape is caught', async () => {
      const before = prismLines(fake.violations).length;
      await http().post('/repos/acme/req/issues/1/labels', { labels: 'credential-request' });
      expect(prismLines(fake.violations).length).to.be.above(before);
    });
  });

  it('only findings about the request count: Prism mock findings about its own answer are not ours', () => {
    const header = JSON.stringify([
      { location: ['response', 'body'], severity: 'Error', code: 'type', message: 'Response body must be object' },
      { location: ['request', 'query', 'maxResults'], severity: 'Error', code: 'type', message: 'must be integer' },
    ]);
    expect(requestViolations(header)).to.deep.equal(['request.query.maxResults: must be integer (type, Error)']);
    expect(requestViolations('')).to.deep.equal([]);
  });
});
