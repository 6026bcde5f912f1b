import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { FakeJira } from '../fakes/jira/fake-jira';
import { closeServer, listenOnLoopback } from '../fakes/loopback-server';
import { SECRETS, SERVICE_ACCOUNT, STATUSES, USERS, eventually, readable } from '../helpers/harness';
import { quickPolicy } from '../helpers/policy';
import { ChildService } from '../helpers/child-service';
import { loadConfig } from '../../src/config/load-config';
import { createLogger, registerSecret } from '../../src/util/logger';
import { createService, type Service } from '../../src/service';

const EMAIL = 'credgate@example.com';
const METRICS_TOKEN = 'metrics-token-e5b7c3a1d9f20468';
const STORE_PASSWORD = 'store-pass-8d6f4b2e0a1c';
/** What Jira receives in every call: an echo of it must not survive either. */
const BASIC = Buffer.from(`${EMAIL}:${SECRETS.apiToken}`).toString('base64');
/** Learned at runtime, like a rotated password; and a one-time link's token. */
const RUNTIME_SECRET = 'rotated-Pw-51c9e3a7b2';
const LINK_TOKEN = 'Lk7pQ2vX9sR4tY8wZ1mN3bC6';
const ALL = { ...SECRETS, METRICS_TOKEN, STORE_PASSWORD, BASIC, RUNTIME_SECRET, LINK_TOKEN };

const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

interface Echo {
  when: (req: IncomingMessage) => boolean;
  status: number;
  extra: string;
  /** Echo only the encoded credentials, without the scheme word a pattern could key on. */
  bare: boolean;
}

/**
 * Sits between credgate and the fake Jira. When told to, it answers a matching call with a Jira
 * error that echoes the request's Authorization header (as misbehaving proxies and gateways do);
 * every other call goes through untouched.
 */
class EchoingProxy {
  private readonly echoes: Echo[] = [];
  private server: Server | undefined;
  echoed = 0;

  echoNext(when: Echo['when'], status: number, extra = '', bare = false): void {
    this.echoes.push({ when, status, extra, bare });
  }

  async start(target: string): Promise<string> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const i = this.echoes.findIndex((e) => e.when(req));
      if (i >= 0) {
        const [echo] = this.echoes.splice(i, 1);
        this.echoed++;
        res.writeHead(echo.status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errorMessages: [
              `request refused; it carried Authorization: ${echo.bare ? String(req.headers.authorization).replace(/^\S+\s+/, '') : req.headers.authorization}${echo.extra}`,
            ],
          }),
        );
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      const upstream = await fetch(target + req.url, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(body);
    });
    return listenOnLoopback(this.server);
  }

  stop(): Promise<void> {
    return this.server ? closeServer(this.server) : Promise.resolve();
  }
}

/** A PostgreSQL store (CI runs one with trust auth) reached through a URL that carries a password. */
const schema = () => `cg_redact_${randomBytes(4).toString('hex')}`;
const storeUrl = (s: string) => `postgres://postgres:${STORE_PASSWORD}@127.0.0.1:5432/test?schema=${s}`;
async function dropSchema(s: string): Promise<void> {
  const client = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await client.end();
}

const leaks = (text: string) =>
  Object.entries(ALL)
    .filter(([, v]) => text.includes(v))
    .map(([k]) => k);
const isComment = (req: IncomingMessage) => req.method === 'POST' && /\/issue\/[^/]+\/comment$/.test(req.url ?? '');
const isTransition = (req: IncomingMessage) =>
  req.method === 'POST' && /\/issue\/[^/]+\/transitions$/.test(req.url ?? '');

describe('log scrubbing', () => {
  const capture = (secrets: string[] = []) => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      secrets,
      destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }),
    });
    return { log, text: () => lines.join('') };
  };

  it('removes secret-shaped text nobody registered, and keeps the rest of the line readable', () => {
    const { log, text } = capture();
    log.warn(
      { err: 'upstream said: Authorization: Bearer eyJhbGciOi.J9.abc-_x and Basic dXNlcjpwYXNzd29yZA==' },
      'call failed',
    );
    log.info(
      { store: 'redis://:r3dis-Secret@cache:6379/0', other: 'postgres://cg:p%40ss-word@db:5432/x?schema=s' },
      'stores',
    );
    log.info(`link https://credgate.example/s/AbCdEf123456?x=1 for CRED-1; mysql -u root password=hunter22 --host db`);
    log.info(`review report https://credgate.example/reports/Rq9-Zx_3kLmN0pQr8sTuVwXy1z2A3b4C5d6E7f8G9h0 for REV-1`);
    const out = text();
    for (const secret of [
      'eyJhbGciOi.J9.abc-_x',
      'dXNlcjpwYXNzd29yZA==',
      'r3dis-Secret',
      'p%40ss-word',
      'AbCdEf123456',
      'hunter22',
      'Rq9-Zx_3kLmN0pQr8sTuVwXy1z2A3b4C5d6E7f8G9h0',
    ])
      expect(out).not.to.include(secret);
    expect(out).to.include('review report https://credgate.example/reports/[REDACTED] for REV-1');
    expect(out).to.include('Bearer [REDACTED] and Basic [REDACTED]');
    expect(out).to.include('redis://:[REDACTED]@cache:6379/0');
    expect(out).to.include('postgres://cg:[REDACTED]@db:5432/x?schema=s');
    expect(out).to.include(
      'link https://credgate.example/s/[REDACTED]?x=1 for CRED-1; mysql -u root password=[REDACTED] --host db',
    );
  });

  it('removes configured and registered values wherever they appear, escaped or not, but never words under 6 characters', () => {
    const { log, text } = capture(['configured-"quoted"-secret']);
    const child = log.child({ component: 'provider' });
    registerSecret(child, 'runtime-secret-ä/ü');
    registerSecret(child, 'short');
    log.info(
      { echoed: 'configured-"quoted"-secret', url: `https://x.example/?v=${encodeURIComponent('runtime-secret-ä/ü')}` },
      'a short word stays',
    );
    child.error('rotated to runtime-secret-ä/ü');
    const out = text();
    expect(out).not.to.include('quoted');
    expect(out).not.to.include('runtime-secret');
    expect(out).not.to.include(encodeURIComponent('runtime-secret-ä/ü'));
    expect(out).to.include('a short word stays');
    expect(out).to.include('rotated to [REDACTED]');
  });
});

describe('no secret reaches a log line', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'credgate-redaction-'));
  const schemas: string[] = [];
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    for (const s of schemas) await dropSchema(s);
  });

  it('through a whole request on the real service with every secret configured, echoed errors and bad signatures', async () => {
    const fake = new FakeJira({
      email: EMAIL,
      apiToken: SECRETS.apiToken,
      users: USERS,
      statuses: STATUSES,
      serviceAccountId: SERVICE_ACCOUNT,
      projects: ['CRED'],
    });
    const proxy = new EchoingProxy();
    const lines: string[] = [];
    let service: Service | undefined;
    const s = schema();
    schemas.push(s);
    try {
      const jiraUrl = await proxy.start(await fake.start());
      const configPath = join(dir, 'credgate.yaml');
      writeFileSync(
        configPath,
        JSON.stringify({
          effects: { baseDelay: '50ms', maxDelay: '300ms', maxAttempts: 4 },
          jira: { projects: ['CRED'], issueTypes: ['Credential request'] },
        }),
      );
      const config = loadConfig({
        CREDGATE_CONFIG: configPath,
        CREDGATE_STORE: storeUrl(s),
        CREDGATE_AUDIT_KEY: SECRETS.auditKey,
        CREDGATE_METRICS_TOKEN: METRICS_TOKEN,
        JIRA_BASE_URL: jiraUrl,
        JIRA_EMAIL: EMAIL,
        JIRA_API_TOKEN: SECRETS.apiToken,
        JIRA_WEBHOOK_SECRET: SECRETS.webhookSecret,
      });
      const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
      const log = createLogger({ level: 'trace', secrets: config.secrets, destination: sink });
      // The store URL the way main.ts announces it, and a configuration object logged whole.
      log.info({ store: config.store.url, metrics: config.metrics, jira: config.jira }, 'starting credgate');

      // The connector's first call at start is answered with an echo of the credentials.
      proxy.echoNext(() => true, 401, `; user ${EMAIL}:${SECRETS.apiToken}`);
      service = await createService({ config, log, policy: quickPolicy({ max: '2s' }) });
      const url = `http://127.0.0.1:${await service.listen(0, '127.0.0.1')}`;
      fake.setWebhook({ url: `${url}/webhooks/jira`, secret: SECRETS.webhookSecret });
      const settle = async () => {
        for (let i = 0; i < 4; i++) {
          await fake.idle();
          await service!.idle();
          await new Promise((r) => setTimeout(r, 5));
        }
      };

      const { key } = await fake.createIssue('acc-requester', {
        project: 'CRED',
        issueType: 'Credential request',
        summary: 'Reporting database',
        description: LOW,
      });
      await eventually(() => expect(fake.statusOf(key)).to.equal('Pending approval'), 15_000);

      // Bad and missing signatures, a scrape with a wrong token.
      const payload = { webhookEvent: 'jira:issue_updated', issue: fake.issueJson(key) };
      expect((await fake.deliver(payload, { badSignature: true }))?.status).to.equal(401);
      expect((await fake.deliver(payload, { noSignature: true }))?.status).to.equal(401);
      expect(
        (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` } })).status,
      ).to.equal(401);

      // A secret learned at runtime, then echoed back in an error with a one-time link.
      registerSecret(log, RUNTIME_SECRET);
      proxy.echoNext(isComment, 503, `; rotated ${RUNTIME_SECRET}; link https://credgate.example/s/${LINK_TOKEN}`);
      await fake.transitionAs('acc-requester', key, 'Approved');
      await settle();
      expect(fake.statusOf(key)).to.equal('Pending approval');
      // The status change to "Access granted" fails for good, echoing the header's base64 alone.
      proxy.echoNext(isTransition, 400, '', true);
      await fake.transitionAs('acc-alice', key, 'Approved');
      await settle();
      await eventually(() => expect(fake.statusOf(key)).to.equal('Access revoked'), 10_000);
      await settle();
      expect(proxy.echoed, 'every planned echo was answered').to.equal(3);

      const logs = lines.join('');
      expect(leaks(logs), 'secrets found in the log').to.deep.equal([]);
      // The echoes did reach the log, scrubbed: this test sees what it claims to check.
      expect(logs).to.include('it carried Authorization: Basic [REDACTED]');
      expect(logs).to.include('it carried Authorization: [REDACTED]');
      // The pair is a secret of its own (its base64 is the Authorization header), so it goes whole.
      expect(logs).to.include('; user [REDACTED]');
      expect(logs).to.include('rotated [REDACTED]; link https://credgate.example/s/[REDACTED]');
      expect(logs).to.include(`postgres://postgres:[REDACTED]@127.0.0.1:5432/test?schema=${s}`);
      expect(lines.some((l) => JSON.parse(l).msg === 'effect failed for good')).to.equal(true);

      // Nor an audit entry (the failed status change is audited with its error), nor a ticket comment.
      const audit: string[] = [];
      for await (const r of service.audit.records()) audit.push(JSON.stringify(r));
      expect(leaks(audit.join('\n')), 'secrets found in the audit log').to.deep.equal([]);
      expect(audit.some((r) => r.includes('effect-failed') && r.includes('Authorization: [REDACTED]'))).to.equal(true);
      expect(leaks(fake.commentTexts(key).map(readable).join('\n')), 'secrets found in ticket comments').to.deep.equal(
        [],
      );
    } finally {
      await service?.stop();
      await proxy.stop();
      await fake.stop();
    }
  });

  it('from npm start (src/main.ts as its own process), which announces its store URL', async () => {
    const s = schema();
    schemas.push(s);
    const configPath = join(dir, 'child.yaml');
    writeFileSync(configPath, JSON.stringify({ jira: { projects: ['CRED'], issueTypes: ['Credential request'] } }));
    const fake = new FakeJira({
      email: EMAIL,
      apiToken: SECRETS.apiToken,
      users: USERS,
      statuses: STATUSES,
      serviceAccountId: SERVICE_ACCOUNT,
      projects: ['CRED'],
    });
    let child: ChildService | undefined;
    try {
      child = await ChildService.start({
        PATH: process.env.PATH ?? '',
        PORT: '0',
        CREDGATE_CONFIG: configPath,
        CREDGATE_LOG_LEVEL: 'debug',
        CREDGATE_STORE: storeUrl(s),
        CREDGATE_AUDIT_KEY: SECRETS.auditKey,
        CREDGATE_METRICS_TOKEN: METRICS_TOKEN,
        JIRA_BASE_URL: await fake.start(),
        JIRA_EMAIL: EMAIL,
        JIRA_API_TOKEN: SECRETS.apiToken,
        JIRA_WEBHOOK_SECRET: SECRETS.webhookSecret,
      });
      const bad = await fetch(`${child.url}/webhooks/jira`, {
        method: 'POST',
        body: '{"webhookEvent":"jira:issue_updated"}',
        headers: { 'content-type': 'application/json', 'x-hub-signature': 'sha256=00' },
      });
      expect(bad.status).to.equal(401);
      expect(
        (await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status,
      ).to.equal(200);
      expect(await child.stop()).to.equal(0);
      expect(leaks(child.output), 'secrets found in the output').to.deep.equal([]);
      expect(child.output).to.include(`postgres://postgres:[REDACTED]@127.0.0.1:5432/test?schema=${s}`);
      expect(child.output).to.include('request refused');
    } finally {
      await child?.stop();
      await fake.stop();
    }
  });
});
