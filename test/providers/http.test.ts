import { expect } from 'chai';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { createHttpProvider, type HttpProviderInput } from '../../src/providers/http';
import type { AccessContext, AccessProvider } from '../../src/providers/types';
import { CredgateError } from '../../src/util/errors';
import { createLogger } from '../../src/util/logger';
import { closeServer, listenOnLoopback } from '../fakes/loopback-server';
import { failure } from '../helpers/failure';

const HMAC_SECRET = 'receiver-hmac-secret-0123456789';
const BEARER = 'rmm-api-token-abcdef123456';
const API_KEY = 'x-api-key-value-987654';

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  json: unknown;
}

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

/**
 * A receiver as an operator would write one: it checks credgate's signature over the exact bytes
 * received (and the timestamp's age) before anything else, answers 401 when either is wrong, and
 * records what it accepted. Answers can be scripted per call.
 */
class Receiver {
  readonly calls: Received[] = [];
  readonly refused: Received[] = [];
  readonly script: Scripted[] = [];
  private server: Server | null = null;
  base = '';

  async start(): Promise<void> {
    const app = express();
    app.use(express.raw({ type: () => true, limit: '1mb' }));
    app.use((req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      const call: Received = {
        method: req.method,
        url: req.originalUrl,
        headers: req.headers,
        raw,
        json: raw ? JSON.parse(raw) : undefined,
      };
      const timestamp = String(req.headers['x-credgate-timestamp'] ?? '');
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', HMAC_SECRET).update(`${timestamp}.${raw}`).digest('hex')}`,
      );
      const given = Buffer.from(String(req.headers['x-credgate-signature'] ?? ''));
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      if (given.length !== expected.length || !timingSafeEqual(given, expected) || !fresh) {
        this.refused.push(call);
        res.status(401).json({ error: fresh ? 'bad signature' : 'stale timestamp' });
        return;
      }
      this.calls.push(call);
      const next = this.script.shift() ?? { status: 200, body: { ok: true } };
      setTimeout(() => {
        if (res.writableEnded) return;
        res.status(next.status).set(next.headers ?? {});
        if (next.body === undefined) res.end();
        else if (typeof next.body === 'string') res.type('text/plain').send(next.body);
        else res.json(next.body);
      }, next.delayMs ?? 0);
    });
    this.server = createServer(app);
    this.base = await listenOnLoopback(this.server);
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }
}

describe('http provider (signed calls to a local receiver)', function () {
  this.timeout(20_000);
  let receiver: Receiver;
  let logLines: string[];
  let errors: string[];

  const ctx = (over: Partial<AccessContext> = {}): AccessContext => ({
    requestId: 'req-9',
    ticket: { connector: 'jira', id: '10009', key: 'OPS-9' },
    requester: { id: 'u-9', displayName: 'Ann', email: 'ann@example.com' },
    facts: {
      systems: ['pos'],
      account: 'svc_pos',
      access: 'admin',
      justification: 'till outage',
      duration: '1h',
      company: '',
      client: '',
    },
    expiresAt: '2030-06-01T12:00:00.000Z',
    target: {
      binding: 'pos-endpoints',
      provider: 'rmm',
      settings: { deviceId: '1234' },
      rotateOnRevoke: false,
      share: 'none',
    },
    idempotencyKey: 'req-9:grant:1',
    ...over,
  });
  /** The RMM-style "run a script on the device holding the account" call of the readme. */
  const rmmConfig = (over: Partial<HttpProviderInput> = {}): HttpProviderInput => ({
    type: 'http',
    grant: {
      url: `${receiver.base}/v2/device/{{setting.deviceId}}/script/run`,
      body: {
        type: 'SCRIPT',
        id: 42,
        runAs: 'system',
        parameters: { account: '{{account}}', expiresAt: '{{expiresAt}}', note: 'for {{ticket}}: {{reason}}' },
        systems: ['{{systems}}'],
        dryRun: false,
      },
    },
    revoke: {
      url: `${receiver.base}/v2/device/{{setting.deviceId}}/script/run`,
      body: { type: 'SCRIPT', id: 43, parameters: { account: '{{account}}' } },
    },
    hmacSecret: HMAC_SECRET,
    timeout: '2s',
    ...over,
  });
  const provider = (config: HttpProviderInput, clock?: () => Date): AccessProvider =>
    createHttpProvider('rmm', config, {
      log: createLogger({ level: 'debug', destination: { write: (l: string) => void logLines.push(l) } }),
      clock,
    });
  const failed = async (promise: Promise<unknown>) => {
    const err = await failure(promise);
    errors.push(err.message);
    return err;
  };

  beforeEach(async () => {
    receiver = new Receiver();
    await receiver.start();
    logLines = [];
    errors = [];
  });
  afterEach(async function () {
    await receiver.stop();
    const everything = [...logLines, ...errors].join('\n');
    for (const secret of [HMAC_SECRET, BEARER, API_KEY])
      expect(everything, `${this.currentTest?.title}: no credential in logs or errors`).not.to.include(secret);
  });

  it('grants with one signed call: values land in their JSON strings intact, with Idempotency-Key and timestamp', async () => {
    const hostile = 'it\'s "urgent"\n}, "runAs": "admin", "x": {"y": "\\u0000 {{requestId}} {{setting.deviceId}}';
    const before = Math.floor(Date.now() / 1000);
    const result = await provider(rmmConfig()).grant(
      ctx({ facts: { ...ctx().facts, account: 'svc_"pos"', justification: hostile } }),
    );

    expect(receiver.refused).to.have.length(0);
    expect(receiver.calls).to.have.length(1);
    const [call] = receiver.calls;
    expect(call.method).to.equal('POST');
    expect(call.url).to.equal('/v2/device/1234/script/run');
    expect(call.json).to.deep.equal({
      type: 'SCRIPT',
      id: 42,
      runAs: 'system',
      parameters: { account: 'svc_"pos"', expiresAt: '2030-06-01T12:00:00.000Z', note: `for OPS-9: ${hostile}` },
      systems: ['pos'],
      dryRun: false,
    });
    expect(call.headers['idempotency-key']).to.equal('req-9:grant:1');
    expect(call.headers['content-type']).to.match(/^application\/json/);
    expect(Number(call.headers['x-credgate-timestamp'])).to.be.within(before, before + 5);
    expect(result?.detail).to.deep.equal({ request: `POST ${receiver.base}/v2/device/1234/script/run`, status: '200' });
  });

  it('keeps URL values inside their segment and refuses dot segments without calling', async () => {
    const config = rmmConfig({
      grant: {
        url: `${receiver.base}/accounts/{{account}}/expiry?ticket={{ticket}}`,
        method: 'PUT',
        body: { until: '{{expiresAtUnix}}' },
      },
    });
    await provider(config).grant(ctx({ facts: { ...ctx().facts, account: 'a/../b?admin=1#x y' } }));
    expect(receiver.calls[0].url).to.equal('/accounts/a%2F..%2Fb%3Fadmin%3D1%23x%20y/expiry?ticket=OPS-9');
    expect(receiver.calls[0].json).to.deep.equal({ until: '1906545600' });

    const err = await failed(provider(config).grant(ctx({ facts: { ...ctx().facts, account: '..' } })));
    expect(err.kind).to.equal('permanent');
    expect(receiver.calls).to.have.length(1);
  });

  it('a wrong signing secret or a stale clock is refused by the receiver: a config error, no retry', async () => {
    const wrong = await failed(provider(rmmConfig({ hmacSecret: 'not-the-receivers-secret-000' })).grant(ctx()));
    expect(wrong.kind).to.equal('config');
    expect(wrong.message).to.include('answered 401: bad signature');
    expect(wrong.message).not.to.include('not-the-receivers-secret-000');

    const stale = await failed(provider(rmmConfig(), () => new Date(Date.now() - 3_600_000)).grant(ctx()));
    expect(stale.kind).to.equal('config');
    expect(stale.message).to.include('stale timestamp');
    expect(receiver.refused).to.have.length(2);
    expect(receiver.calls).to.have.length(0);
  });

  it('maps answers: 408/425/429/5xx transient with Retry-After, other 4xx permanent with a short reason', async () => {
    const p = provider(rmmConfig());
    const cases: Array<[Scripted, string, number | undefined]> = [
      [{ status: 503, headers: { 'Retry-After': '7' } }, 'transient', 7_000],
      [{ status: 429, headers: { 'Retry-After': '2' }, body: { message: 'slow down' } }, 'transient', 2_000],
      [{ status: 408 }, 'transient', undefined],
      [{ status: 425 }, 'transient', undefined],
      [{ status: 500, body: 'internal error\nstack trace line' }, 'transient', undefined],
      [{ status: 400, body: { error: { message: 'unknown device 1234' } } }, 'permanent', undefined],
      [{ status: 404, body: { error: 'no such script' } }, 'permanent', undefined],
      [{ status: 302, headers: { Location: 'http://127.0.0.1:1/elsewhere' } }, 'permanent', undefined],
    ];
    for (const [answer, kind, retryAfter] of cases) {
      receiver.script.push(answer);
      const err = await failed(p.grant(ctx()));
      expect(err.kind, `status ${answer.status}`).to.equal(kind);
      expect(err.details.retryAfterMs, `status ${answer.status}`).to.equal(retryAfter);
      expect(err.message).to.include(`answered ${answer.status}`);
    }
    expect(errors[1]).to.include('answered 429: slow down');
    expect(errors[4]).to.match(/answered 500: internal error$/);
    expect(errors[5]).to.equal(
      `provider "rmm": grant POST ${receiver.base}/v2/device/1234/script/run answered 400: unknown device 1234`,
    );
    expect(errors[7]).to.include('redirects are not followed');
    expect(receiver.calls, 'the redirect was not followed').to.have.length(cases.length);
  });

  it('no answer is transient: a closed port, or a receiver slower than the timeout', async () => {
    const closed = new Receiver();
    await closed.start();
    const deadUrl = closed.base;
    await closed.stop();
    const refused = await failed(provider(rmmConfig({ grant: { url: `${deadUrl}/run`, body: {} } })).grant(ctx()));
    expect(refused.kind).to.equal('transient');
    expect(refused.message).to.include('could not be reached (ECONNREFUSED)');

    receiver.script.push({ status: 200, delayMs: 1_500 });
    const slow = await failed(provider(rmmConfig({ timeout: '300ms' })).grant(ctx()));
    expect(slow.kind).to.equal('transient');
    expect(slow.message).to.include('got no answer within 300ms');
  });

  it('rotate returns the secret from the configured field and nowhere else', async () => {
    const newPassword = 'N3w"Pass\nword-5f2a';
    const config = rmmConfig({
      rotate: {
        url: `${receiver.base}/accounts/{{account}}/password`,
        body: { reason: '{{reason}}' },
        secretField: 'data.credentials.0.password',
      },
      bearerToken: BEARER,
      secretHeaders: { 'X-Api-Key': API_KEY },
    });
    receiver.script.push({ status: 201, body: { data: { credentials: [{ password: newPassword }] } } });
    const result = await provider(config).rotate({ ...ctx(), reason: 'last grant ended' });
    expect(result?.secret).to.deep.equal({ label: 'password for svc_pos', value: newPassword });
    expect(result?.detail).to.deep.equal({ request: `POST ${receiver.base}/accounts/svc_pos/password`, status: '201' });
    expect(receiver.calls[0].headers.authorization).to.equal(`Bearer ${BEARER}`);
    expect(receiver.calls[0].headers['x-api-key']).to.equal(API_KEY);
    expect(logLines.join('\n')).not.to.include('N3w');

    receiver.script.push({ status: 200, body: { data: { pwd: 'Other-Secret-99' } } });
    const missing = await failed(provider(config).rotate({ ...ctx(), reason: 'last grant ended' }));
    expect(missing.kind).to.equal('permanent');
    expect(missing.message).to.include('no text at "data.credentials.0.password"');
    expect(missing.message).not.to.include('Other-Secret-99');
    expect(logLines.join('\n')).not.to.include('Other-Secret-99');
  });

  it('scrubs credentials a failing receiver echoes back', async () => {
    receiver.script.push({ status: 400, body: { error: `token ${BEARER} has no access, password=hunter2-echo` } });
    const err = await failed(provider(rmmConfig({ bearerToken: BEARER })).grant(ctx()));
    expect(err.message).to.include('[REDACTED]');
    expect(err.message).not.to.include('hunter2-echo');
  });

  it('inspects (404: no such account) and disables an account for a review', async () => {
    const p = provider(
      rmmConfig({
        inspect: { method: 'GET', url: `${receiver.base}/accounts/{{account}}`, stateField: 'account' },
        disable: { url: `${receiver.base}/accounts/{{account}}/disable`, body: { reason: '{{reason}}' } },
      }),
    );
    const target = ctx().target;
    receiver.script.push({
      status: 200,
      body: {
        account: { exists: true, enabled: true, expiresAt: '2030-06-01T12:00:00Z', lastUsedAt: '2030-05-01T08:00:00Z' },
      },
    });
    expect(await p.inspect!(target, 'svc_pos')).to.deep.equal({
      account: 'svc_pos',
      exists: true,
      enabled: true,
      expiresAt: '2030-06-01T12:00:00Z',
      lastUsedAt: '2030-05-01T08:00:00Z',
    });
    receiver.script.push({ status: 404, body: { error: 'not found' } });
    expect(await p.inspect!(target, 'gone')).to.deep.include({ exists: false, enabled: false });
    await p.disable!(target, 'svc_pos', 'unused for 90 days');
    const disable = receiver.calls[2];
    expect(disable.json).to.deep.equal({ reason: 'unused for 90 days' });
    expect(disable.headers['idempotency-key']).to.equal('disable:rmm:pos-endpoints:svc_pos');
    expect(receiver.calls[0].raw, 'GET carries no body').to.equal('');
  });

  it("refuses a header value that a requester's line break would split, without calling", async () => {
    const config = rmmConfig({
      grant: { url: `${receiver.base}/run`, headers: { 'X-Ticket-Note': '{{reason}}' }, body: {} },
    });
    const err = await failed(
      provider(config).grant(ctx({ facts: { ...ctx().facts, justification: 'x\r\nX-Admin: true' } })),
    );
    expect(err.kind).to.equal('permanent');
    expect(receiver.calls).to.have.length(0);
  });

  it('refuses bad configuration when the provider is created, naming the key', () => {
    const attempt = (config: HttpProviderInput) => {
      try {
        provider(config);
      } catch (err) {
        expect((err as CredgateError).kind).to.equal('config');
        return (err as Error).message;
      }
      throw new Error('expected creation to fail');
    };
    expect(attempt(rmmConfig({ grant: { url: 'https://{{setting.host}}/run' } }))).to.include(
      'grant.url: placeholders may only stand in the path or query',
    );
    expect(
      attempt(rmmConfig({ grant: { url: `${receiver.base}/run`, body: { a: ['ok', { b: 'x {{acount}}' }] } } })),
    ).to.include('grant.body.a.1.b: {{acount}} is not a placeholder');
    expect(attempt(rmmConfig({ grant: { method: 'GET', url: `${receiver.base}/run`, body: {} } }))).to.include(
      'a GET request carries no body',
    );
    expect(attempt(rmmConfig({ inspect: { url: `${receiver.base}/{{requestId}}` } }))).to.include(
      '{{requestId}} is not known when inspecting',
    );
    expect(attempt(rmmConfig({ hmacSecret: undefined }))).to.include('an unauthenticated call must not grant access');
    expect(
      attempt(rmmConfig({ grant: { url: `${receiver.base}/run`, headers: { 'Idempotency-Key': 'x' } } })),
    ).to.include('is set by credgate itself');
  });
});
