import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/open-store';
import { createAuditLog } from '../../src/audit/audit-log';
import { deskConfigSchema, hashPassword, runHashPassword, verifyPassword } from '../../src/desk';
import { CredgateError } from '../../src/util/errors';
import { formatZodError } from '../../src/util/format-zod-error';
import { call, DeskApp, DESK_PASSWORD, DESK_TOKEN, DESK_USER, HOUR, login, passwordHash } from './desk-rig';

const form = (username: string, password: string) => new URLSearchParams({ username, password });

describe('service desk login', function () {
  this.timeout(60_000);
  let store: Store;
  let desk: DeskApp;
  let now: Date;

  beforeEach(async () => {
    now = new Date('2026-05-04T08:00:00.000Z');
    store = await openStore('sqlite://:memory:');
    desk = await DeskApp.start({
      store,
      audit: createAuditLog(store.engine, undefined),
      clock: () => now,
      config: { maxFailedLogins: 3, loginWindow: '10m' },
      publicUrl: 'https://desk.example.test/',
    });
  });

  afterEach(async () => {
    await desk.stop();
    await store.close();
  });

  it('refuses an address after repeated failures, even with the right password, until the window ends', async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (await call(`${desk.url}/desk/login`, { method: 'POST', body: form(DESK_USER, `wrong-${i}-password`) })).status,
      ).to.equal(401);
    const blocked = await call(`${desk.url}/desk/login`, { method: 'POST', body: form(DESK_USER, DESK_PASSWORD) });
    expect(blocked.status).to.equal(429);
    expect(blocked.headers.get('set-cookie')).to.equal(null);
    expect(Number(blocked.headers.get('retry-after'))).to.be.within(1, 600);
    expect(blocked.body).to.include('Too many failed attempts');
    // HTTP Basic from the same address is held back too.
    const basic = await call(`${desk.url}/desk/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from(`${DESK_USER}:${DESK_PASSWORD}`).toString('base64')}` },
    });
    expect(basic.status).to.equal(429);

    now = new Date(now.getTime() + 10 * 60_000 + 1);
    expect(
      (await call(`${desk.url}/desk/login`, { method: 'POST', body: form(DESK_USER, DESK_PASSWORD) })).status,
    ).to.equal(303);
    expect(desk.logs.filter((l) => l.includes('failed login'))).to.have.length(3);
  });

  it('marks the cookie Secure when the public URL is https, and refuses a login posted from another site', async () => {
    const ok = await call(`${desk.url}/desk/login`, { method: 'POST', body: form(DESK_USER, DESK_PASSWORD) });
    expect(ok.status).to.equal(303);
    expect(ok.headers.get('set-cookie')).to.match(/; HttpOnly; SameSite=Strict; Secure$/);

    const forged = await call(`${desk.url}/desk/login`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: form(DESK_USER, DESK_PASSWORD),
    });
    expect(forged.status).to.equal(403);
    expect(forged.headers.get('set-cookie')).to.equal(null);
    const fromPublicUrl = await call(`${desk.url}/desk/login`, {
      method: 'POST',
      headers: { origin: 'https://desk.example.test' },
      body: form(DESK_USER, DESK_PASSWORD),
    });
    expect(fromPublicUrl.status).to.equal(303);
  });

  it('ends a session after its time to live, and a replica sharing the store knows the session', async () => {
    const cookie = await login(desk.url);
    const replica = await DeskApp.start({ store, audit: createAuditLog(store.engine, undefined), clock: () => now });
    try {
      expect((await call(`${replica.url}/desk`, { headers: { cookie } })).status, 'the other replica').to.equal(200);
      now = new Date(now.getTime() + 8 * HOUR - 1000);
      expect((await call(`${desk.url}/desk`, { headers: { cookie } })).status).to.equal(200);
      now = new Date(now.getTime() + 2000);
      expect((await call(`${desk.url}/desk`, { headers: { cookie } })).status).to.equal(302);
      expect((await call(`${replica.url}/desk`, { headers: { cookie } })).status).to.equal(302);
    } finally {
      await replica.stop();
    }
    // An already-signed-in visitor of the login page goes straight to the dashboard.
    const fresh = await login(desk.url);
    const again = await call(`${desk.url}/desk/login`, { headers: { cookie: fresh } });
    expect(again.status).to.equal(303);
  });

  it('keeps only a hash of the session id in the store', async () => {
    const cookie = await login(desk.url);
    const id = cookie.split('=')[1];
    const stored: string[] = [];
    for await (const [key, value] of store.kv.desk_sessions.iterator!(undefined))
      stored.push(`${String(key)} ${JSON.stringify(value)}`);
    expect(stored.join('\n')).to.include('desk-session:');
    expect(stored.join('\n')).not.to.include(id);
  });

  it('accepts the token only as a bearer token, never as a password', async () => {
    const asPassword = await call(`${desk.url}/desk/login`, { method: 'POST', body: form(DESK_USER, DESK_TOKEN) });
    expect(asPassword.status).to.equal(401);
    const bearer = await call(`${desk.url}/desk`, { headers: { authorization: `Bearer ${DESK_TOKEN}` } });
    expect(bearer.status).to.equal(200);
    expect(bearer.body).to.include('Signed in as <strong>automation token</strong>');
    expect(bearer.body).not.to.include('name="csrf"');
  });
});

describe('service desk configuration and passwords', function () {
  this.timeout(30_000);

  it('is off with no way in, on as soon as a user or token is configured, and refuses "on" with neither', async () => {
    expect(deskConfigSchema.parse({})).to.include({ enabled: false, path: '/desk', sessionTtl: '8h' });
    expect(deskConfigSchema.parse({ token: DESK_TOKEN }).enabled).to.equal(true);
    expect(deskConfigSchema.parse({ users: [{ username: 'a', passwordHash: await passwordHash() }] }).enabled).to.equal(
      true,
    );
    expect(deskConfigSchema.parse({ token: DESK_TOKEN, enabled: false }).enabled).to.equal(false);

    const problems = (input: unknown) => {
      const r = deskConfigSchema.safeParse(input);
      return r.success ? '' : formatZodError(r.error, 'desk');
    };
    expect(problems({ enabled: true })).to.include('enabled: the desk is enabled but has no users and no token');
    expect(problems({ users: [{ username: 'a', passwordHash: 'hunter2' }] })).to.include(
      'users.0.passwordHash: expected "scrypt$N$r$p$salt$hash"',
    );
    expect(problems({ users: [{ username: 'a', passwordHash: 'hunter2' }] })).not.to.include('hunter2');
    expect(problems({ token: 'short' })).to.include('token: expected at least 24 characters');
    expect(problems({ path: 'desk/' })).to.include('path: expected a URL path');
    expect(problems({ sessionTtl: 'forever', token: DESK_TOKEN })).to.include('sessionTtl: expected a duration');
  });

  it('hashes with scrypt and a random salt, and verifies only the right password', async () => {
    const a = await hashPassword('orange-kettle-93');
    const b = await hashPassword('orange-kettle-93');
    expect(a).to.match(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.to.equal(b);
    expect(await verifyPassword('orange-kettle-93', a)).to.equal(true);
    expect(await verifyPassword('orange-kettle-94', a)).to.equal(false);
    expect(await verifyPassword('orange-kettle-93', a.replace('$32768$', '$4194304$')), 'absurd cost refused').to.equal(
      false,
    );
  });

  it('hash-password reads the password from a pipe and prints a hash that verifies', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const done = runHashPassword({ stdin, stdout, stderr: new PassThrough() });
    stdin.end('a-long-desk-password\n');
    await done;
    const line = String(stdout.read()).trim();
    expect(await verifyPassword('a-long-desk-password', line)).to.equal(true);
    expect(line).not.to.include('a-long-desk-password');

    const short = new PassThrough();
    const refused = runHashPassword({ stdin: short, stdout: new PassThrough(), stderr: new PassThrough() });
    short.end('short\n');
    const err = await refused.then(
      () => null,
      (e: Error) => e,
    );
    expect(err).to.be.instanceOf(CredgateError);
    expect(err).to.include({ kind: 'bad-input', message: 'a desk password needs at least 12 characters' });
  });
});
