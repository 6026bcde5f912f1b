import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FakeJira, type FakeJiraOptions, type FakeUser } from '../fakes/jira/fake-jira';
import { loadConfig, type Config } from '../../src/config/load-config';
import { createLogger } from '../../src/util/logger';
import { createService, type Service, type ServiceOptions } from '../../src/service';
import type { Policy } from '../../src/policy/policy';
import { quickPolicy } from './policy';
import type { AccessProvider } from '../../src/providers/types';
import type { GrantRecord } from '../../src/providers/builtin-provider';
import type { CredentialRequest } from '../../src/domain/request';
import { expect } from 'chai';

export const SECRETS = {
  apiToken: 'jira-api-token-7f3a9c1e55d2',
  webhookSecret: 'webhook-secret-0b8e4d2a6c91f3',
  auditKey: 'audit-hmac-key-5d1f7a3c9e2b4f6a8c0e2d4f6a8b0c2e',
};
export const SERVICE_ACCOUNT = 'acc-credgate';

export const USERS: FakeUser[] = [
  { accountId: SERVICE_ACCOUNT, displayName: 'credgate', groups: ['jira-users'] },
  { accountId: 'acc-requester', displayName: 'Rita Requester', groups: ['jira-users', 'credential-approvers'] },
  { accountId: 'acc-alice', displayName: 'Alice Approver', groups: ['jira-users', 'credential-approvers'] },
  { accountId: 'acc-bob', displayName: 'Bob Approver', groups: ['jira-users', 'credential-approvers'] },
  { accountId: 'acc-carl', displayName: 'Carl ClientOwner', groups: ['jira-users', 'client-owners'] },
  { accountId: 'acc-olga', displayName: 'Olga Outsider', groups: ['jira-users'] },
];

export const STATUSES = [
  'Open',
  'Waiting for requester',
  'Pending approval',
  'Approved',
  'Declined',
  'Access granted',
  'Access revoked',
  'Revocation failed',
  'In Progress',
  'Done',
];

export interface HarnessOptions {
  policy?: Policy;
  /** Extra config file content (merged over the harness's own). */
  config?: Record<string, unknown>;
  /** Overrides of the fake Jira's options (workflow transitions, users...). */
  fake?: Partial<FakeJiraOptions>;
  /** Providers the policy's bindings name (tests pass recording or real ones). */
  providers?: AccessProvider[];
  /** Builds the service's review job from its parts (review tests give their own provider). */
  review?: ServiceOptions['review'];
  /** The service's clock (default: the system's). */
  clock?: ServiceOptions['clock'];
}

/**
 * A running credgate (in process, over real HTTP) wired to a stateful fake Jira, with logs
 * captured so tests can check what was logged, and a restart that keeps the store.
 */
export class Harness {
  readonly logs: string[] = [];
  service!: Service;
  url = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'credgate-test-'));
  private config!: Config;

  constructor(
    readonly fake: FakeJira,
    private readonly options: HarnessOptions,
  ) {}

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const fake = new FakeJira({
      email: 'credgate@example.com',
      apiToken: SECRETS.apiToken,
      users: USERS,
      statuses: STATUSES,
      serviceAccountId: SERVICE_ACCOUNT,
      projects: ['CRED'],
      ...options.fake,
    });
    const h = new Harness(fake, options);
    const jiraUrl = await fake.start();
    const configPath = join(h.dir, 'credgate.yaml');
    writeFileSync(
      configPath,
      JSON.stringify({
        log: { level: 'debug' },
        effects: { baseDelay: '50ms', maxDelay: '500ms', maxAttempts: 6 },
        jira: { projects: ['CRED'], issueTypes: ['Credential request'], ...(options.config?.jira as object) },
        ...Object.fromEntries(Object.entries(options.config ?? {}).filter(([k]) => k !== 'jira')),
      }),
    );
    h.config = loadConfig({
      CREDGATE_CONFIG: configPath,
      CREDGATE_STORE: `sqlite://${join(h.dir, 'store.sqlite')}`,
      CREDGATE_AUDIT_KEY: SECRETS.auditKey,
      JIRA_BASE_URL: jiraUrl,
      JIRA_EMAIL: 'credgate@example.com',
      JIRA_API_TOKEN: SECRETS.apiToken,
      JIRA_WEBHOOK_SECRET: SECRETS.webhookSecret,
    });
    await h.boot();
    return h;
  }

  private async boot(): Promise<void> {
    const sink = new Writable({
      write: (chunk, _enc, done) => {
        this.logs.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ level: 'debug', secrets: this.config.secrets, destination: sink });
    this.service = await createService({
      config: this.config,
      log,
      policy: this.options.policy ?? quickPolicy(),
      providers: this.options.providers,
      review: this.options.review,
      clock: this.options.clock,
    });
    const port = await this.service.listen(0, '127.0.0.1');
    this.url = `http://127.0.0.1:${port}`;
    this.fake.setWebhook({ url: `${this.url}/webhooks/jira`, secret: SECRETS.webhookSecret });
  }

  /** The environment a CLI run needs to read this service's store and audit log. */
  get cliEnv(): Record<string, string> {
    return { CREDGATE_STORE: this.config.store.url, CREDGATE_AUDIT_KEY: SECRETS.auditKey };
  }

  /** Waits until every delivery and owed effect has been handled. */
  async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      await this.fake.idle();
      await this.service.idle();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Stops credgate and starts a new instance on the same store, like a restart. */
  async restart(between?: () => Promise<void>): Promise<void> {
    await this.service.stop();
    await between?.();
    await this.boot();
  }

  async stop(): Promise<void> {
    await this.service.stop().catch(() => undefined);
    await this.fake.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * The checks every end-to-end test ends with, then stop: nothing credgate sent broke Jira's API
   * contract, and no configured secret reached a log line.
   */
  async stopChecked(): Promise<void> {
    expect(this.fake.violations, 'requests credgate sent that real Jira would reject').to.deep.equal([]);
    const logs = this.logs.join('');
    for (const secret of Object.values(SECRETS)) expect(logs).not.to.include(secret);
    await this.stop();
  }

  /** The request credgate keeps for a ticket. */
  async requestOf(key: string): Promise<CredentialRequest> {
    for await (const r of this.service.store.requests.all()) if (r.ticket.key === key) return r;
    throw new Error(`no request for ${key}`);
  }

  /** What the builtin provider recorded of a ticket's grant; undefined when nothing was granted. */
  async grantOf(key: string): Promise<GrantRecord | undefined> {
    for await (const r of this.service.store.requests.all())
      if (r.ticket.key === key) return (await this.service.store.kv.grants.get(r.id)) as GrantRecord | undefined;
    return undefined;
  }

  /** Comments on a ticket as a person reads them: escapes and invisible joiners removed. */
  comments(key: string): string[] {
    return this.fake.commentTexts(key).map(readable);
  }
}

export const readable = (text: string) => text.replace(/\\(.)/g, '$1').replace(/\u2060/g, '');

/** Polls until `check` passes or the time is up, then runs it once more so its assertion speaks. */
export async function eventually(check: () => unknown, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
