import { FakeGitHub } from '../../fakes/github/fake-github';
import { readable } from '../../helpers/harness';
import { positionOfIssue } from '../../../connectors/github/positions';
import { githubConfigSchema } from '../../../connectors/github/schema';
import type { ConformanceDriver, Role, VendorFake } from '../driver';

const ACCOUNTS: Record<Role, string> = { requester: 'rita', approver: 'alice', approver2: 'bob', outsider: 'olga' };
const SELF = 'credgate-bot';
const REPO = 'acme/access-requests';
const TOKEN = 'ghp_fakeCredgateToken0123456789abcdef';
const WEBHOOK_SECRET = 'gh-webhook-secret-3c9d1e7a5b';
const labels = githubConfigSchema.parse({}).labels;

/** The body GitHub writes for credgate's issue form (templates/github/credential-request.yml). */
export function formBody(facts: Record<string, string>): string {
  const sections = Object.entries(facts).map(([label, value]) => `### ${label}\n\n${value || '_No response_'}`);
  sections.push(
    '### Confirmation\n\n- [x] I have not pasted any password, key, token or other secret into this request.',
  );
  return sections.join('\n\n');
}

/** A GitHub organization "acme" whose team "credential-approvers" holds the requester and both approvers. */
export function startFakeGithub(extra: Partial<ConstructorParameters<typeof FakeGitHub>[0]> = {}): FakeGitHub {
  return new FakeGitHub({
    users: [
      { login: SELF, name: 'credgate' },
      ...Object.values(ACCOUNTS).map((login) => ({ login })),
      { login: 'carl' },
    ],
    orgs: ['acme'],
    repositories: [
      {
        fullName: REPO,
        collaborators: {
          [SELF]: 'write',
          rita: 'read',
          alice: 'maintain',
          bob: 'maintain',
          olga: 'read',
          carl: 'read',
        },
      },
    ],
    teams: [
      { org: 'acme', slug: 'credential-approvers', members: ['rita', 'alice', 'bob'] },
      { org: 'acme', slug: 'client-owners', members: ['carl'] },
    ],
    tokens: { [TOKEN]: SELF },
    ...extra,
  });
}

export const GITHUB_DRIVER_SETTINGS = { REPO, TOKEN, WEBHOOK_SECRET, SELF, ACCOUNTS };

export const githubDriver: ConformanceDriver = {
  id: 'github',
  async start(): Promise<VendorFake> {
    const fake = startFakeGithub();
    const url = await fake.start();
    return {
      env: { GITHUB_API_URL: url, GITHUB_TOKEN: TOKEN, GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET },
      config: {
        github: {
          repositories: [REPO],
          approverTeams: { 'credential-approvers': 'acme/credential-approvers', 'client-owners': 'acme/client-owners' },
        },
      },
      setWebhook: (hook) => fake.setWebhook({ url: hook, secret: WEBHOOK_SECRET }),
      async fileRequest(as, summary, facts) {
        const { ticket, delivery } = await fake.openIssue(ACCOUNTS[as], REPO, {
          title: summary,
          body: formBody(facts),
          labels: ['credential-request'],
        });
        return { ticket, delivery };
      },
      approve: (as, ticket) => fake.commentAs(ACCOUNTS[as], ticket, '/approve'),
      close: (as, ticket) => fake.closeAs(ACCOUNTS[as], ticket),
      position: (ticket) => {
        const { state } = fake.issueState(ticket);
        return positionOfIssue(state, fake.labels(ticket), labels);
      },
      comments: (ticket) =>
        fake
          .comments(ticket)
          .filter((c) => c.user === SELF)
          .map((c) => readable(c.body)),
      redeliverLast: () => fake.redeliverLast(),
      deliverForged: (ticket) =>
        fake.deliver('issues', fake.issuesPayload(ticket, 'edited', ACCOUNTS.requester), { badSignature: true }),
      violations: fake.violations,
      restCalls: () => fake.requests.length,
      stop: () => fake.stop(),
    };
  },
};
