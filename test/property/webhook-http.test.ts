/**
 * Property-based tests of POST /webhooks/jira over real HTTP, against the running app and a
 * stateful fake Jira. Random bytes, random JSON and mutated real deliveries, correctly signed, get
 * 202 or a clear 4xx ({error, message}), never a 5xx; nothing they do makes the process log an
 * error or stop answering. Random signatures and headers get 401 unless the signature is right.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, SECRETS } from '../helpers/harness';
import { LOW_RISK_DESCRIPTION } from '../helpers/tickets';
import { WEBHOOK_EVENTS, bodyOf, jsonish, mutate, mutation, toJson } from './arbitraries';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const FIXTURES = join(__dirname, '../fixtures');
const fixtures: { name: string; doc: Record<string, unknown> }[] = ['jira-cloud', 'jira-dc'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir)).map((name) => ({
    name: `${dir}/${name}`,
    doc: JSON.parse(readFileSync(join(FIXTURES, dir, name), 'utf8')),
  })),
);

const hmac = (body: Buffer, secret = SECRETS.webhookSecret) => createHmac('sha256', secret).update(body).digest('hex');
const sign = (body: Buffer) => `sha256=${hmac(body)}`;

interface Answer {
  status: number;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * POSTs with node:http rather than fetch: header values go out as given (latin1 bytes, so UTF-8
 * can be smuggled in as mojibake), duplicates included, and no header is added but Content-Length.
 */
function post(base: string, path: string, body: Buffer, headers: Record<string, string | string[]>): Promise<Answer> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'content-length': String(body.length), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** 202, or a 4xx whose body is {error, message} with a message a person can act on. */
function expectClearAnswer(answer: Answer, label: string): void {
  expect(answer.status, `${label} → ${answer.status} ${answer.text}`).to.satisfy(
    (s: number) => s === 202 || (s >= 400 && s < 500),
  );
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(answer.text);
  } catch {
    throw new Error(`${label} → ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`);
  }
  if (answer.status === 202) {
    expect(json.status, label).to.be.oneOf(['accepted', 'duplicate', 'ignored']);
    return;
  }
  expect(json.error, `${label} → ${answer.text}`).to.be.a('string').and.not.equal('');
  expect(json.message, `${label} → ${answer.text}`).to.be.a('string');
  expect((json.message as string).trim(), `${label} → ${answer.text}`).not.to.equal('');
}

/** pino lines at error (50) or fatal (60). */
function errorLines(h: Harness): string[] {
  return h.logs
    .join('')
    .split('\n')
    .filter((l) => l.trim())
    .filter((l) => {
      try {
        return (JSON.parse(l) as { level?: number }).level! >= 50;
      } catch {
        return true; // a line that is not JSON is itself a finding (something wrote around pino)
      }
    });
}

describe('property: POST /webhooks/jira over HTTP', function () {
  this.timeout(Math.max(60_000, RUNS * 200));
  let h: Harness;
  let issue: { id: string; key: string };

  before(async () => {
    h = await Harness.start();
    issue = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'Reporting database',
      description: LOW_RISK_DESCRIPTION,
    });
    await h.settle();
    h.logs.length = 0;
  });

  afterEach(async function () {
    await h.settle();
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status, 'the process still answers /healthz').to.equal(200);
    const errors = errorLines(h);
    expect(
      errors.length,
      `${this.currentTest?.title}: logged at error level:\n${errors.slice(0, 5).join('\n')}`,
    ).to.equal(0);
    expect(h.fake.violations, 'calls credgate made that Jira would refuse').to.deep.equal([]);
    for (const secret of Object.values(SECRETS)) expect(h.logs.join('')).not.to.include(secret);
    h.logs.length = 0;
  });

  after(async () => {
    agent.destroy();
    await h?.stop();
  });

  const send = (body: Buffer, extra: Record<string, string | string[]> = {}) =>
    post(h.url, '/webhooks/jira', body, {
      'content-type': 'application/json',
      'x-hub-signature': sign(body),
      ...extra,
    });

  it('random bytes, correctly signed: 202 or a clear 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.option(
          fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
          { nil: undefined },
        ),
        async (bytes, id) => {
          const body = Buffer.from(bytes);
          const answer = await send(body, id === undefined ? {} : { 'x-atlassian-webhook-identifier': id });
          expectClearAnswer(answer, `bytes ${body.toString('hex').slice(0, 200)}`);
          if (body.length > 0 && answer.status !== 202) expect(answer.status, answer.text).to.equal(400);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random JSON and webhook-shaped objects, correctly signed: 202 or a clear 4xx', async () => {
    const webhookish = fc.record(
      {
        webhookEvent: fc.oneof(fc.constantFrom(...WEBHOOK_EVENTS), jsonish),
        issue: fc.oneof(
          jsonish,
          fc.record(
            {
              id: fc.oneof(fc.constant(issue.id), jsonish),
              key: fc.oneof(fc.constant(issue.key), jsonish),
              fields: jsonish,
            },
            { requiredKeys: [] },
          ),
        ),
        comment: jsonish,
        user: jsonish,
        timestamp: jsonish,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonish, webhookish, fc.jsonValue({ maxDepth: 4 })), async (doc) => {
        const body = Buffer.from(toJson(doc));
        expectClearAnswer(await send(body), body.toString().slice(0, 400));
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated real Cloud and Data Center deliveries (keys deleted, types changed, values replaced, truncated): 202 or a clear 4xx', async () => {
    let accepted = 0;
    /** Points a fixture at the issue that exists in the fake, so processing goes all the way. */
    const retarget = (doc: Record<string, unknown>) => {
      const d = structuredClone(doc) as {
        issue?: { id?: unknown; key?: unknown; fields?: { project?: { key?: unknown } } };
        comment?: { self?: unknown };
      };
      if (d.issue) Object.assign(d.issue, { id: issue.id, key: issue.key });
      if (d.issue?.fields?.project) d.issue.fields.project.key = 'CRED';
      if (d.comment) d.comment.self = `http://jira/rest/api/2/issue/${issue.id}/comment/1`;
      return d;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fixtures),
        fc.boolean(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { freq: 4 }),
        async (fixture, onRealIssue, mutations, cut) => {
          const body = bodyOf(mutate(onRealIssue ? retarget(fixture.doc) : fixture.doc, mutations), cut);
          const answer = await send(body);
          expectClearAnswer(
            answer,
            `${fixture.name}${onRealIssue ? ' (on the real issue)' : ''} ${JSON.stringify(mutations).slice(0, 600)} cut=${cut}`,
          );
          if (answer.text.includes('"accepted"')) accepted++;
        },
      ),
      { numRuns: RUNS },
    );
    // The property reached processing: deliveries were accepted and the issue was read back.
    await h.settle();
    expect(accepted, 'accepted deliveries').to.be.greaterThan(0);
    expect(
      h.fake.requests.filter((r) => r.method === 'GET' && r.path.includes(`/issue/${issue.id}`)).length,
      'issue read back',
    ).to.be.greaterThan(1);
  });

  it('regression: ids, keys, comment links and project keys that are objects with a non-callable toString get 202 or 400, not 500', async () => {
    const bodies = [
      { webhookEvent: 'jira:issue_updated', issue: { id: { toString: 1 }, key: 'CRED-1' } },
      { webhookEvent: 'comment_created', comment: { self: { toString: 1 } } },
      {
        webhookEvent: 'jira:issue_updated',
        issue: { id: issue.id, key: { toString: 1 }, fields: { project: { key: 'CRED' } } },
      },
      {
        webhookEvent: 'jira:issue_updated',
        issue: { id: issue.id, key: issue.key, fields: { project: { key: { toString: 1 } } } },
      },
    ];
    for (const doc of bodies) {
      const body = Buffer.from(JSON.stringify(doc));
      const answer = await send(body);
      expectClearAnswer(answer, body.toString());
    }
  });

  it('random signatures and headers: 401 unless the signature is exactly the HMAC of the body (hex in any case)', async () => {
    const body = fc.oneof(
      fc.constant('{"webhookEvent":"board_created"}'),
      fc.string({ maxLength: 60 }).map((s) => JSON.stringify({ webhookEvent: 'board_created', note: s })),
    );
    /** Header values as they go on the wire: latin1; UTF-8 arrives as mojibake. */
    const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    const wireSafe = (s: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s);
    const signatureFor = (raw: Buffer) => {
      const right = hmac(raw);
      return fc.oneof(
        fc.constant(`sha256=${right}`),
        fc.constant(`sha256=${right.toUpperCase()}`),
        fc.constant(`SHA256=${right}`),
        fc.mixedCase(fc.constant(`sha256=${right}`)),
        fc.constant(` sha256=${right}\t`),
        fc.constant(right),
        fc.constant(`sha1=${right}`),
        fc.constant(`sha256:${right}`),
        fc.constant(`sha256=${right.slice(0, 63)}`),
        fc.constant(`sha256=${right}00`),
        fc.constant(`sha256=${right} sha256=${right}`),
        fc.constant(`sha256=${hmac(raw, 'another-secret-with-16-chars')}`),
        fc.constant(`sha256=${hmac(raw, SECRETS.apiToken)}`),
        fc.constant(latin1(`sha256=${right.replace(/a/g, 'а')}`)), // Cyrillic "а"
        fc.constant(latin1(`sha256=${right}\u200b`)),
        fc.constant(`sha256=${right}\u00a0`),
        fc.nat({ max: 71 }).map((n) => `sha256=${right}`.slice(0, n)),
        fc.string({ maxLength: 80 }).map(latin1),
        fc.string({ unit: 'binary', maxLength: 40 }).map(latin1),
      );
    };
    const scenario = body
      .map((s) => Buffer.from(s, 'utf8'))
      .chain((raw) =>
        fc.record({
          raw: fc.constant(raw),
          signature: fc.option(signatureFor(raw), { nil: undefined, freq: 6 }),
          name: fc.constantFrom(
            'x-hub-signature',
            'X-Hub-Signature',
            'X-HUB-SIGNATURE',
            'x-hub-signature-256',
            'x-signature',
          ),
          twice: fc.boolean(),
          contentType: fc.constantFrom(
            'application/json',
            'text/plain',
            'application/json; charset=latin1',
            'application/x-www-form-urlencoded',
            '',
          ),
          identifier: fc.option(fc.string({ maxLength: 30 }).map(latin1), { nil: undefined }),
          token: fc.option(fc.constantFrom(SECRETS.webhookSecret, 'automation-secret-123456', ''), { nil: undefined }),
        }),
      )
      .filter(
        (s) =>
          (s.signature === undefined || wireSafe(s.signature)) &&
          (s.identifier === undefined || wireSafe(s.identifier)),
      );

    await fc.assert(
      fc.asyncProperty(scenario, async ({ raw, signature, name, twice, contentType, identifier, token }) => {
        const headers: Record<string, string | string[]> = {};
        if (contentType) headers['content-type'] = contentType;
        if (signature !== undefined) headers[name] = twice ? [signature, signature] : signature;
        if (identifier !== undefined) headers['x-atlassian-webhook-identifier'] = identifier;
        if (token !== undefined) headers['x-credgate-token'] = token;
        const answer = await post(h.url, '/webhooks/jira', raw, headers);
        const label = `${JSON.stringify(headers)} body=${raw.toString()}`;
        expectClearAnswer(answer, label);
        // Node joins a repeated X-Hub-Signature with ", " and strips spaces and tabs around a value;
        // verify() then trims and compares case-insensitively (hex is case-insensitive).
        const received =
          signature === undefined || name.toLowerCase() !== 'x-hub-signature'
            ? undefined
            : twice
              ? `${signature.trim()}, ${signature.trim()}`
              : signature.trim();
        const valid = received !== undefined && received.trim().toLowerCase() === `sha256=${hmac(raw)}`;
        expect(answer.status, `${label} → ${answer.text}`).to.equal(valid ? 202 : 401);
        if (!valid) expect(JSON.parse(answer.text).error, label).to.equal('auth');
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('bodies that do not decode under their Content-Encoding: a clear 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip', 'GZIP'),
        fc.oneof(fc.constant('{"webhookEvent":"board_created"}'), fc.string({ maxLength: 40 })),
        async (encoding, text) => {
          const body = Buffer.from(text, 'utf8');
          const answer = await send(body, { 'content-encoding': encoding });
          expectClearAnswer(answer, `content-encoding ${encoding} body=${text}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});
