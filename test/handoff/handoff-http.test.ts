import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { isCredgateError } from '../../src/util/errors';
import { HOUR, Rig, get, reveal, shownSecret, type Answer } from './handoff-rig';
import { freshRedisUrl } from '../helpers/stores';

const SECRET = 'Tr0ub4dor&3-<b>"corr3ct"</b>';

/** The headers a browser must see on every answer of the link pages. */
function expectPageHeaders(a: Answer): void {
  expect(a.headers['content-type']).to.equal('text/html; charset=utf-8');
  expect(a.headers['cache-control']).to.equal('no-store');
  expect(a.headers['referrer-policy']).to.equal('no-referrer');
  expect(a.headers['x-robots-tag']).to.match(/^noindex/);
  expect(a.headers['x-frame-options']).to.equal('DENY');
  const csp = a.headers['content-security-policy'];
  expect(csp).to.match(/^default-src 'none'; /);
  expect(csp).to.include("form-action 'self'");
  expect(csp).to.match(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
  expect(csp).not.to.include('unsafe');
  // An ETag would be a hash of the page, secret included.
  expect(a.headers).not.to.have.property('etag');
}

/** Everything a token could be written as, for leak checks. */
function tokenForms(url: string): string[] {
  const token = url.split('/').pop() as string;
  const raw = Buffer.from(token, 'base64url');
  return [token, raw.toString('hex'), raw.toString('base64')];
}

describe('one-time links over HTTP', function () {
  this.timeout(20_000);
  let rig: Rig;
  let leakChecks: string[];
  beforeEach(() => (leakChecks = [SECRET]));
  afterEach(async () => {
    // No secret and no token in any log line, whatever the test did.
    const logs = rig.logs.join('');
    for (const s of leakChecks) expect(logs).not.to.include(s);
    await rig.stop();
  });

  it('shows a Reveal page that burns nothing, reveals once, then says "already viewed"', async () => {
    rig = await Rig.start();
    const link = await rig.issue(SECRET, { label: 'password for <svc-backup> & "friends"' });
    leakChecks.push(...tokenForms(link.url));
    expect(link.url).to.match(new RegExp(`^${rig.url}/s/[A-Za-z0-9_-]{43}$`));
    expect(link.expiresAt).to.equal('2025-03-02T10:00:00.000Z');

    // Opened twice (a chat preview, then the person): the secret is never in it and still there.
    for (let i = 0; i < 2; i++) {
      const page = await get(link.url);
      expect(page.status).to.equal(200);
      expectPageHeaders(page);
      expect(page.body).to.include('A secret is waiting for you');
      expect(page.body).to.include('<form method="post" action="');
      expect(page.body).to.include('>Reveal</button>');
      expect(page.body).to.include('OPS-42');
      expect(page.body).to.include('2025-03-02 10:00 UTC');
      // The requester-influenced label is escaped, not markup.
      expect(page.body).to.include('password for &#60;svc-backup&#62; &#38; &#34;friends&#34;');
      expect(page.body).not.to.include('<svc-backup>');
      expect(page.body).not.to.include('Tr0ub4dor');
    }

    const shown = await reveal(link.url, { 'user-agent': `Mozilla/5.0 (test)\t\t${'x'.repeat(400)}` });
    expect(shown.status).to.equal(200);
    expectPageHeaders(shown);
    expect(shownSecret(shown.body)).to.equal(SECRET);
    expect(shown.body).not.to.include(SECRET); // only in its escaped form
    expect(shown.body).to.include('This page will not show it again.');

    const again = await reveal(link.url);
    expect(again.status).to.equal(410);
    expectPageHeaders(again);
    expect(again.body).to.include('Already viewed');
    expect(again.body).to.include('revealed on 2025-03-01 10:00 UTC');
    expect(again.body).not.to.include('Tr0ub4dor');
    const revisit = await get(link.url);
    expect(revisit.status).to.equal(410);
    expect(revisit.body).to.include('Already viewed');

    expect(rig.reveals).to.have.length(1);
    const [{ link: revealed, viewer }] = rig.reveals;
    expect(revealed).to.deep.equal({
      id: createHash('sha256')
        .update(link.url.split('/').pop() as string)
        .digest('hex'),
      requestId: 'req-1',
      ticket: { connector: 'jira', id: '10042', key: 'OPS-42' },
      label: 'password for <svc-backup> & "friends"',
      createdAt: '2025-03-01T10:00:00.000Z',
      expiresAt: '2025-03-02T10:00:00.000Z',
    });
    expect(viewer.ip).to.match(/^(::ffff:)?127\.0\.0\.1$/);
    expect(viewer.userAgent).to.equal(`Mozilla/5.0 (test) ${'x'.repeat(256 - 19)}`); // one line, truncated
    expect(viewer.at).to.equal('2025-03-01T10:00:00.000Z');

    // The store never held the token or the plaintext, before or after the reveal.
    const dump = await rig.dumpStore();
    expect(dump).to.include('"state":"revealed"');
    for (const s of [...leakChecks, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('hex')])
      expect(dump).not.to.include(s);
    expect(dump).not.to.include('"box"'); // the ciphertext went with the reveal
  });

  it('keeps neither the token nor the plaintext in the store while a link is live', async () => {
    rig = await Rig.start();
    const link = await rig.issue(SECRET);
    leakChecks.push(...tokenForms(link.url));
    const dump = await rig.dumpStore();
    expect(dump).to.include('"state":"live"');
    expect(dump).to.include('"box"');
    for (const s of [
      ...leakChecks,
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(SECRET).toString('hex'),
      'Tr0ub4dor',
    ])
      expect(dump).not.to.include(s);
  });

  it('expires at the end of the ttl or of the grant, whichever comes first; expired looks like unknown', async () => {
    rig = await Rig.start({ ttlMs: 4 * HOUR });
    const byTtl = await rig.issue(SECRET);
    const byGrant = await rig.issue(SECRET, { expiresAt: '2025-03-01T11:30:00.000Z' });
    leakChecks.push(...tokenForms(byTtl.url), ...tokenForms(byGrant.url));
    expect(byTtl.expiresAt).to.equal('2025-03-01T14:00:00.000Z');
    expect(byGrant.expiresAt).to.equal('2025-03-01T11:30:00.000Z');

    rig.clock.advance(90 * 60_000); // 11:30: the grant's link is over, the other is not
    const grantEnded = await reveal(byGrant.url);
    expect(grantEnded.status).to.equal(410);
    expect(grantEnded.body).to.include('This link has expired');
    expect((await get(byTtl.url)).status).to.equal(200);

    rig.clock.advance(150 * 60_000); // 14:00
    const expired = await reveal(byTtl.url);
    expect(expired.status).to.equal(410);
    expectPageHeaders(expired);
    expect(expired.body).to.include('This link has expired');
    expect(expired.body).not.to.include('Tr0ub4dor');
    expect(rig.reveals).to.deep.equal([]);

    // Unknown, malformed, expired: the same answer, byte for byte, on both routes.
    const strip = (a: Answer) => ({ ...a, headers: { ...a.headers, date: '' } });
    const unknown = `${rig.url}/s/${'A'.repeat(43)}`;
    for (const other of [unknown, `${rig.url}/s/not-a-token`, `${rig.url}/s/${'A'.repeat(44)}`]) {
      expect(strip(await reveal(other))).to.deep.equal(strip(expired));
      expect(strip(await get(other))).to.deep.equal(strip(await get(byTtl.url)));
    }
  });

  it('lets exactly one of several concurrent reveals have the secret', async () => {
    rig = await Rig.start();
    const link = await rig.issue(SECRET);
    leakChecks.push(...tokenForms(link.url));
    // Slow reads, so that every reveal has seen the link live before any of them claims it: only
    // the claim's compare-and-swap can then decide.
    const kv = rig.store.kv.handoff;
    const read = kv.get.bind(kv);
    let reads = 0;
    kv.get = (async (key: string) => {
      const value = await read(key);
      if (++reads <= 6) await new Promise((r) => setTimeout(r, 150));
      return value;
    }) as typeof kv.get;
    const answers = await Promise.all([...Array(6)].map(() => reveal(link.url)));
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).to.have.length(1);
    expect(shownSecret(winners[0].body)).to.equal(SECRET);
    for (const loser of answers.filter((a) => a !== winners[0])) {
      expect(loser.status).to.equal(410);
      expect(loser.body).to.include('Already viewed');
      expect(shownSecret(loser.body)).to.equal(null);
    }
    expect(rig.reveals).to.have.length(1);
  });

  it('a retried issue replaces the earlier unrevealed link: one live link per effect', async () => {
    rig = await Rig.start();
    const first = await rig.issue('first-Secret-111', { idempotencyKey: 'grant:req-1:e1' });
    const second = await rig.issue('second-Secret-222', { idempotencyKey: 'grant:req-1:e1' });
    const other = await rig.issue('other-Secret-333', { idempotencyKey: 'grant:req-2:e1' });
    leakChecks.push(
      'first-Secret',
      'second-Secret',
      'other-Secret',
      ...[first, second, other].flatMap((l) => tokenForms(l.url)),
    );
    expect(second.url).not.to.equal(first.url);

    const dead = await reveal(first.url);
    expect(dead.status).to.equal(410);
    expect(dead.body).to.include('This link has expired');
    expect((await get(first.url)).status).to.equal(410);
    expect(shownSecret((await reveal(second.url)).body)).to.equal('second-Secret-222');
    expect(shownSecret((await reveal(other.url)).body)).to.equal('other-Secret-333');

    // A retry after the link was revealed leaves that one "already viewed" and issues a new one.
    const third = await rig.issue('third-Secret-444', { idempotencyKey: 'grant:req-1:e1' });
    leakChecks.push('third-Secret', ...tokenForms(third.url));
    expect((await reveal(second.url)).body).to.include('Already viewed');
    expect(shownSecret((await reveal(third.url)).body)).to.equal('third-Secret-444');

    const dump = await rig.dumpStore();
    expect(dump.match(/"state":"live"/g)).to.equal(null);
    expect(dump.match(/"state":"revealed"/g)).to.have.length(3);
    expect(dump.match(/"state":"replaced"/g)).to.have.length(1);
  });

  it('a reveal stands when recording it fails, and the log says so without the secret', async () => {
    rig = await Rig.start({
      onRevealed: async () => {
        throw new Error('ticketing system unreachable');
      },
    });
    const link = await rig.issue(SECRET);
    leakChecks.push(...tokenForms(link.url));
    const shown = await reveal(link.url);
    expect(shown.status).to.equal(200);
    expect(shownSecret(shown.body)).to.equal(SECRET);
    expect((await reveal(link.url)).status).to.equal(410);
    const line = rig.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'one-time link revealed, but recording the reveal failed');
    expect(line).to.include({ level: 50, requestId: 'req-1', err: 'ticketing system unreachable' });
  });

  it('holds the guessing limit across two replicas on one Redis, under a concurrent burst', async () => {
    const url = await freshRedisUrl(4);
    rig = await Rig.start({ storeUrl: url, rateLimit: { capacity: 5, perMinute: 5 } });
    const other = await Rig.start({ storeUrl: url, clock: rig.clock, rateLimit: { capacity: 5, perMinute: 5 } });
    try {
      const burst = await Promise.all(
        Array.from({ length: 16 }, (_, i) => reveal(`${(i % 2 ? rig : other).url}/s/${String(i % 10).repeat(43)}`)),
      );
      const statuses = burst.map((g) => g.status);
      expect(
        statuses.filter((s) => s === 410),
        statuses.join(','),
      ).to.have.length(5);
      expect(statuses.filter((s) => s === 429)).to.have.length(11);
    } finally {
      await other.stop();
    }
  });

  it('slows guessing per client address and ignores X-Forwarded-For unless the app trusts a proxy', async () => {
    rig = await Rig.start({ rateLimit: { capacity: 3, perMinute: 6 } });
    const link = await rig.issue(SECRET);
    leakChecks.push(...tokenForms(link.url));
    const guesses = [];
    // A forged X-Forwarded-For per request does not buy a fresh bucket.
    for (let i = 0; i < 4; i++)
      guesses.push(await reveal(`${rig.url}/s/${String(i).repeat(43)}`, { 'x-forwarded-for': `203.0.113.${i}` }));
    expect(guesses.map((g) => g.status)).to.deep.equal([410, 410, 410, 429]);
    expect(guesses[3].headers['retry-after']).to.equal('10');
    expect(guesses[3].body).to.include('Too many attempts');
    expectPageHeaders(guesses[3]);
    // Even the right token waits its turn.
    expect((await reveal(link.url)).status).to.equal(429);

    rig.clock.advance(10_000);
    const shown = await reveal(link.url, { 'x-forwarded-for': '198.51.100.7' });
    expect(shown.status).to.equal(200);
    expect(rig.reveals[0].viewer.ip).to.match(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('records the client address a trusted proxy forwards, when the app is told to trust it', async () => {
    rig = await Rig.start({ trustProxy: 'loopback' });
    const link = await rig.issue(SECRET);
    leakChecks.push(...tokenForms(link.url));
    expect((await reveal(link.url, { 'x-forwarded-for': '198.51.100.7' })).status).to.equal(200);
    expect(rig.reveals[0].viewer.ip).to.equal('198.51.100.7');
  });

  it('without a key refuses to hand off secrets, with a message that says what to set', async () => {
    rig = await Rig.start({ key: null });
    const err = await rig.issue(SECRET).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isCredgateError(err, 'config')).to.equal(true);
    expect((err as Error).message).to.include('set handoff.key or handoff.keyFile');
    expect(await rig.dumpStore()).to.equal('');
    // The pages still answer.
    expect((await get(`${rig.url}/s/${'A'.repeat(43)}`)).status).to.equal(410);
  });

  it('refuses a grant that has already ended, an empty secret and a missing label', async () => {
    rig = await Rig.start();
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: Error) => e.message,
      );
    expect(await failure(rig.issue(SECRET, { expiresAt: '2025-03-01T09:59:59.000Z' }))).to.equal(
      'the grant has already ended; no link was issued',
    );
    expect(await failure(rig.issue(''))).to.include('is empty');
    expect(await failure(rig.issue(SECRET, { label: ' \n ' }))).to.include('needs a label');
    expect(await rig.dumpStore()).to.equal('');
  });

  it('shows a multi-line secret exactly as issued', async () => {
    rig = await Rig.start();
    const key = '-----BEGIN KEY-----\nabc  def\n\tghi\n-----END KEY-----';
    leakChecks.push('abc  def');
    const link = await rig.issue(key);
    leakChecks.push(...tokenForms(link.url));
    expect(shownSecret((await reveal(link.url)).body)).to.equal(key);
  });

  it('purgeExpired deletes links past expiry, revealed or not, and keeps live ones', async () => {
    rig = await Rig.start({ ttlMs: 2 * HOUR });
    const a = await rig.issue(SECRET);
    const b = await rig.issue(SECRET, { expiresAt: '2025-03-01T11:00:00.000Z' });
    await reveal(b.url);
    leakChecks.push(...tokenForms(a.url), ...tokenForms(b.url));
    expect(await rig.handoff.purgeExpired()).to.equal(0);
    rig.clock.advance(HOUR);
    expect(await rig.handoff.purgeExpired()).to.equal(1);
    expect((await get(a.url)).status).to.equal(200);
    rig.clock.advance(HOUR);
    expect(await rig.handoff.purgeExpired()).to.equal(1);
    expect(await rig.dumpStore()).not.to.include('"kind":"link"');
    // Issue bookkeeping goes a day later.
    rig.clock.advance(24 * HOUR);
    await rig.handoff.purgeExpired();
    expect(await rig.dumpStore()).to.equal('');
  });
});
