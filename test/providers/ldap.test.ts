import { expect } from 'chai';
import { Attribute, Change, Client, type Entry } from 'ldapts';
import pino from 'pino';
import { createLdapProvider, ldapProviderSchema } from '../../src/providers/ldap';
import { readAccountState } from '../../src/providers/ldap/account-controls';
import {
  disabledUac,
  enabledUac,
  escapeFilterValue,
  fromFiletime,
  fromGeneralizedTime,
  passwordModifyRequest,
  renderFilter,
  toFiletime,
  toGeneralizedTime,
  toShadowDay,
  toUnicodePwd,
} from '../../src/providers/ldap/encodings';
import { generatePassword } from '../../src/providers/ldap/generate-password';
import type { AccessContext, AccessProvider } from '../../src/providers/types';
import { isCredgateError, type CredgateError } from '../../src/util/errors';
import { SEED_PASSWORDS, startSlapd, type Slapd } from '../helpers/slapd';

const PEOPLE = 'ou=people,dc=example,dc=test';
const VPN = 'cn=vpn,ou=groups,dc=example,dc=test';
const DB_ADMINS = 'cn=db-admins,ou=groups,dc=example,dc=test';
const PLACEHOLDER = 'cn=placeholder,ou=groups,dc=example,dc=test';
const AD_STAFF = 'cn=AD Staff,ou=ad,dc=example,dc=test';
const AD_VENDOR = 'cn=AD Vendor,ou=ad,dc=example,dc=test';

let seq = 0;
function context(
  settings: Record<string, string>,
  over: Partial<AccessContext> = {},
): AccessContext & { reason: string } {
  seq += 1;
  return {
    requestId: `req-${seq}`,
    ticket: { connector: 'jira', id: `${seq}`, key: `CRED-${seq}` },
    requester: { id: 'acc-alice', displayName: 'Alice', email: 'alice@example.test' },
    facts: {
      systems: ['vpn'],
      account: 'svc-vendor',
      access: 'login',
      justification: 'incident',
      duration: '2h',
      company: 'Example',
      client: 'Example',
    },
    expiresAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    target: { binding: 'test-binding', provider: 'corp-ldap', settings, rotateOnRevoke: false, share: 'none' },
    idempotencyKey: `key-${seq}`,
    reason: 'expired',
    ...over,
  };
}

async function rejection(promise: Promise<unknown>): Promise<CredgateError> {
  try {
    await promise;
  } catch (err) {
    if (isCredgateError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('ldap provider against a real slapd', function () {
  this.timeout(15_000);
  let slapd: Slapd;
  let admin: Client;
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const providers: AccessProvider[] = [];

  function provider(over: Record<string, unknown> = {}): AccessProvider {
    const config = ldapProviderSchema.parse({
      type: 'ldap',
      url: slapd.url,
      bindDN: slapd.bindDN,
      bindPassword: slapd.bindPassword,
      baseDN: 'dc=example,dc=test',
      timeouts: { connect: '1s', operation: '2s' },
      ...over,
    });
    const p = createLdapProvider('corp-ldap', config, { log });
    providers.push(p);
    return p;
  }

  /** Reads the directory behind the provider's back, as the rootdn. */
  async function read(dn: string, attributes: string[]): Promise<Entry> {
    const { searchEntries } = await admin.search(dn, {
      scope: 'base',
      attributes,
      explicitBufferAttributes: ['unicodePwd'],
    });
    return searchEntries[0];
  }
  const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

  async function canBind(dn: string, password: string, url = slapd.url): Promise<boolean> {
    const client = new Client({ url, timeout: 2000 });
    try {
      await client.bind(dn, password);
      return true;
    } catch {
      return false;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  before(async () => {
    slapd = await startSlapd();
    admin = new Client({ url: slapd.url, timeout: 2000 });
    await admin.bind(slapd.rootDN, slapd.rootPassword);
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close?.()));
    await admin?.unbind().catch(() => undefined);
    await slapd?.stop();
  });

  describe('mode group', () => {
    it('adds the requester to a groupOfNames, twice harmlessly, and revoke removes them', async () => {
      const ldap = provider();
      const alice = `uid=alice,${PEOPLE}`;
      const ctx = context({ mode: 'group', group: VPN });

      const granted = await ldap.grant(ctx);
      expect(list((await read(VPN, ['member'])).member)).to.have.members([PLACEHOLDER, alice]);
      expect(granted).to.deep.include({
        detail: { mode: 'group', group: VPN, member: alice, memberAttribute: 'member', outcome: 'added' },
      });

      const again = await ldap.grant(ctx);
      expect(again?.detail?.outcome).to.equal('already-member');
      expect(list((await read(VPN, ['member'])).member)).to.have.members([PLACEHOLDER, alice]);

      await ldap.revoke(ctx);
      expect(list((await read(VPN, ['member'])).member)).to.deep.equal([PLACEHOLDER]);
      const revokedAgain = await ldap.revoke(ctx);
      expect(revokedAgain?.detail?.outcome).to.equal('not-member');
    });

    it('adds the vendor account to a groupOfUniqueNames as uniqueMember (grantee: account)', async () => {
      const ldap = provider();
      const vendor = `uid=svc-vendor,${PEOPLE}`;
      const ctx = context({ group: DB_ADMINS, grantee: 'account' });
      await ldap.grant(ctx);
      await ldap.grant(ctx);
      expect(list((await read(DB_ADMINS, ['uniqueMember'])).uniqueMember)).to.have.members([PLACEHOLDER, vendor]);
      await ldap.revoke(ctx);
      expect(list((await read(DB_ADMINS, ['uniqueMember'])).uniqueMember)).to.deep.equal([PLACEHOLDER]);
    });

    it('refuses what it cannot do exactly, changing nothing', async () => {
      const ldap = provider();
      const injected = await rejection(
        ldap.grant(context({ group: VPN }, { requester: { id: 'x', displayName: 'X', email: '*)(mail=*' } })),
      );
      expect(injected.kind).to.equal('permanent');
      expect(injected.message).to.include('no directory entry');

      const ambiguous = await rejection(
        ldap.grant(
          context({ group: VPN }, { requester: { id: 'x', displayName: 'X', email: 'shared-inbox@example.test' } }),
        ),
      );
      expect(ambiguous.kind).to.equal('permanent');
      expect(ambiguous.message).to.include('several');

      const noEmail = await rejection(
        ldap.grant(context({ group: VPN }, { requester: { id: 'x', displayName: 'X' } })),
      );
      expect(noEmail.kind).to.equal('permanent');

      const noGroup = await rejection(ldap.grant(context({ group: 'cn=nope,ou=groups,dc=example,dc=test' })));
      expect(noGroup.kind).to.equal('permanent');
      expect(noGroup.message).to.include('cn=nope,ou=groups,dc=example,dc=test does not exist');

      expect(
        (await rejection(ldap.grant(context({ group: 'cn=printers,ou=groups,dc=example,dc=test' })))).kind,
      ).to.equal('config');
      expect((await rejection(ldap.grant(context({ mode: 'group' })))).kind).to.equal('config');
      const typo = await rejection(ldap.grant(context({ group: VPN, grnatee: 'account' })));
      expect(typo.kind).to.equal('config');
      expect(typo.message).to.include('test-binding');

      expect(list((await read(VPN, ['member'])).member)).to.deep.equal([PLACEHOLDER]);
    });

    it('refuses to empty a groupOfNames, which its schema forbids, with a message saying so', async () => {
      const ldap = provider();
      const ctx = context({ group: VPN, grantee: 'account' }, { facts: { ...context({}).facts, account: 'bob' } });
      await ldap.grant(ctx);
      await admin.modify(
        VPN,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [PLACEHOLDER] }) }),
      );
      try {
        const err = await rejection(ldap.revoke(ctx));
        expect(err.kind).to.equal('permanent');
        expect(err.message).to.include('placeholder');
      } finally {
        await admin.modify(
          VPN,
          new Change({ operation: 'replace', modification: new Attribute({ type: 'member', values: [PLACEHOLDER] }) }),
        );
      }
    });
  });

  describe('mode enable (OpenLDAP: ppolicy + shadow)', () => {
    const vendor = `uid=svc-vendor,${PEOPLE}`;

    it('opens the vendor account until the grant expires, and revoke closes it', async function () {
      expect(slapd.features.ppolicy, "Debian's slapd ships the ppolicy overlay these checks need").to.equal(true);
      const ldap = provider();
      expect(await canBind(vendor, SEED_PASSWORDS.vendor), 'seeded closed').to.equal(false);
      const expiresAt = new Date(Date.now() + 2 * 3_600_000);
      const ctx = context({ mode: 'enable' }, { expiresAt: expiresAt.toISOString() });

      const result = await ldap.grant(ctx);
      await ldap.grant(ctx);
      const open = await read(vendor, ['pwdEndTime', 'shadowExpire', 'pwdAccountLockedTime']);
      expect(open.pwdEndTime).to.equal(toGeneralizedTime(expiresAt));
      expect(Number(open.shadowExpire)).to.equal(Math.ceil(expiresAt.getTime() / 86_400_000));
      expect(list(open.pwdAccountLockedTime)).to.deep.equal([]);
      expect(await canBind(vendor, SEED_PASSWORDS.vendor), 'open after grant').to.equal(true);
      expect(result?.detail).to.deep.include({
        mode: 'enable',
        account: 'svc-vendor',
        entry: vendor,
        controls: 'ppolicy,shadow',
      });

      const state = await ldap.inspect!(ctx.target, 'svc-vendor');
      expect(state).to.include({
        account: 'svc-vendor',
        exists: true,
        enabled: true,
        expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString(),
      });
      if (slapd.features.lastbind) expect(state?.lastUsedAt, 'authTimestamp from lastbind').to.be.a('string');

      await ldap.revoke(ctx);
      await ldap.revoke(ctx);
      const closed = await read(vendor, ['shadowExpire', 'pwdAccountLockedTime']);
      expect(closed.pwdAccountLockedTime).to.equal('000001010000Z');
      expect(closed.shadowExpire).to.equal('1');
      expect(await canBind(vendor, SEED_PASSWORDS.vendor), 'closed after revoke').to.equal(false);
      expect(await ldap.inspect!(ctx.target, 'svc-vendor')).to.include({ exists: true, enabled: false });
    });

    it('an expiry already past leaves the account unusable: the directory enforces pwdEndTime', async function () {
      expect(slapd.features.ppolicy, "Debian's slapd ships the ppolicy overlay these checks need").to.equal(true);
      const ldap = provider();
      await ldap.grant(context({ mode: 'enable' }, { expiresAt: new Date(Date.now() - 1000).toISOString() }));
      expect(await canBind(vendor, SEED_PASSWORDS.vendor)).to.equal(false);
      await ldap.revoke(context({ mode: 'enable' }));
    });

    it('inspect reports a missing account, and disable closes a stale one', async function () {
      expect(slapd.features.ppolicy, "Debian's slapd ships the ppolicy overlay these checks need").to.equal(true);
      const ldap = provider();
      const target = context({}).target;
      expect(await ldap.inspect!(target, 'nobody')).to.deep.equal({
        account: 'nobody',
        exists: false,
        enabled: false,
        expiresAt: null,
        lastUsedAt: null,
      });
      expect(await canBind(`uid=bob,${PEOPLE}`, 'bob-Secret-6')).to.equal(true);
      const result = await ldap.disable!(target, 'bob', 'no login in 90 days');
      expect(result?.detail).to.deep.include({
        mode: 'disable',
        entry: `uid=bob,${PEOPLE}`,
        reason: 'no login in 90 days',
      });
      expect(await canBind(`uid=bob,${PEOPLE}`, 'bob-Secret-6')).to.equal(false);
      expect(await ldap.inspect!(target, 'bob')).to.include({ exists: true, enabled: false });
    });
  });

  describe('rotate', () => {
    it('sets a new random password through Password Modify: the new one binds, the old one no longer', async () => {
      const ldap = provider({ passwordLength: 20 });
      const backup = `uid=svc-backup,${PEOPLE}`;
      const from = lines.length;
      const first = await ldap.rotate(context({ rotateAccount: 'svc-backup' }));
      const password = first?.secret?.value as string;
      expect(first?.secret?.label).to.equal('new password for svc-backup');
      expect(password).to.have.length(20);
      expect(first?.detail).to.deep.equal({ account: 'svc-backup', entry: backup, method: 'password-modify' });
      expect(await canBind(backup, password)).to.equal(true);
      expect(await canBind(backup, SEED_PASSWORDS.backup)).to.equal(false);
      expect(String((await read(backup, ['userPassword'])).userPassword)).to.match(/^\{SSHA\}/, 'hashed by the server');

      const second = await ldap.rotate(context({}, { facts: { ...context({}).facts, account: 'svc-backup' } }));
      expect(second?.secret?.value).to.not.equal(password);
      expect(await canBind(backup, second?.secret?.value as string)).to.equal(true);
      expect(await canBind(backup, password)).to.equal(false);

      const logged = lines.slice(from).join('');
      expect(logged).to.include('ldap rotate done');
      for (const secret of [password, second?.secret?.value as string, slapd.bindPassword])
        expect(logged).to.not.include(secret);
    });

    it('a refused rotation names the account, never the password', async () => {
      const ldap = provider();
      const err = await rejection(ldap.rotate(context({ rotateAccount: 'ghost' })));
      expect(err.kind).to.equal('permanent');
      expect(err.message).to.include('ghost');
    });
  });

  describe('Active Directory flavor (msuser schema on slapd: the attribute encodings on a real wire)', () => {
    const adProvider = (over: Record<string, unknown> = {}) =>
      provider({ flavor: 'active-directory', baseDN: 'ou=ad,dc=example,dc=test', ...over });

    it('enable clears ACCOUNTDISABLE and sets accountExpires as FILETIME; revoke sets the bit again', async () => {
      const ldap = adProvider();
      const expiresAt = new Date(Date.now() + 3_600_000);
      const ctx = context(
        { mode: 'enable' },
        { expiresAt: expiresAt.toISOString(), facts: { ...context({}).facts, account: 'ad-vendor' } },
      );
      await ldap.grant(ctx);
      const open = await read(AD_VENDOR, ['userAccountControl', 'accountExpires']);
      expect(open.userAccountControl).to.equal('512');
      expect(open.accountExpires).to.equal(toFiletime(expiresAt));
      const state = await ldap.inspect!(ctx.target, 'ad-vendor');
      expect(state).to.include({
        exists: true,
        enabled: true,
        expiresAt: expiresAt.toISOString(),
        lastUsedAt: '2025-01-01T00:00:00.000Z',
      });

      await ldap.revoke(ctx);
      expect((await read(AD_VENDOR, ['userAccountControl'])).userAccountControl).to.equal('514');
      expect(await ldap.inspect!(ctx.target, 'ad-vendor')).to.include({ enabled: false });
    });

    it('group membership of an AD group uses member', async () => {
      const ldap = adProvider();
      const ctx = context(
        { group: AD_STAFF, grantee: 'account' },
        { facts: { ...context({}).facts, account: 'ad-vendor' } },
      );
      expect((await ldap.grant(ctx))?.detail?.memberAttribute).to.equal('member');
      expect(list((await read(AD_STAFF, ['member'])).member)).to.deep.equal([AD_VENDOR]);
      await ldap.revoke(ctx);
      await ldap.revoke(ctx);
      expect(list((await read(AD_STAFF, ['member'])).member)).to.deep.equal([]);
    });

    it('rotate writes unicodePwd as quoted UTF-16LE, and only over TLS', async () => {
      const ctx = context({ rotateAccount: 'ad-vendor' });
      const plain = await rejection(adProvider().rotate(ctx));
      expect(plain.kind).to.equal('config');
      expect(plain.message).to.include('ldaps');

      const ldap = adProvider({ url: slapd.ldapsUrl, tls: { caFile: slapd.caFile } });
      const result = await ldap.rotate(ctx);
      expect(result?.detail?.method).to.equal('unicodePwd');
      const stored = (await read(AD_VENDOR, ['unicodePwd'])).unicodePwd as Buffer;
      expect(Buffer.compare(stored, Buffer.from(`"${result?.secret?.value}"`, 'utf16le'))).to.equal(0);
    });

    it('ldaps with a certificate the provider cannot verify is a configuration error', async () => {
      const err = await rejection(adProvider({ url: slapd.ldapsUrl }).inspect!(context({}).target, 'ad-vendor'));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include('tls.caFile');
    });
  });

  describe('failures', () => {
    it('a wrong bind password is a configuration error naming the bind DN, not the password', async () => {
      const wrong = 'not-the-Right-password-42';
      const from = lines.length;
      const err = await rejection(provider({ bindPassword: wrong }).grant(context({ group: VPN })));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include(slapd.bindDN);
      expect(err.message).to.not.include(wrong);
      expect(lines.slice(from).join('')).to.include(slapd.bindDN).and.not.include(wrong);
    });

    it('a hung directory is transient once the operation timeout passes', async () => {
      const ldap = provider({ timeouts: { connect: '500ms', operation: '500ms' } });
      process.kill(slapd.pid, 'SIGSTOP');
      try {
        const started = Date.now();
        const err = await rejection(ldap.grant(context({ group: VPN })));
        expect(err.kind).to.equal('transient');
        expect(Date.now() - started).to.be.below(3000);
      } finally {
        process.kill(slapd.pid, 'SIGCONT');
      }
    });

    it('a stopped directory is transient (last: stops slapd)', async () => {
      const ldap = provider();
      await admin.unbind();
      await slapd.stop();
      const err = await rejection(ldap.grant(context({ group: VPN })));
      expect(err.kind).to.equal('transient');
      expect(err.message).to.not.include(slapd.bindPassword);
      expect(lines.join('')).to.not.include(slapd.bindPassword);
    });
  });
});

describe('ldap provider: encodings (pure)', () => {
  it('escapes filter values per RFC 4515, so requester text cannot widen a filter', () => {
    expect(escapeFilterValue('*)(uid=*\\\0')).to.equal('\\2a\\29\\28uid=\\2a\\5c\\00');
    expect(renderFilter('(&(objectClass=person)(mail={{email}}))', { email: 'a*@x' })).to.equal(
      '(&(objectClass=person)(mail=a\\2a@x))',
    );
    expect(() => renderFilter('(uid={{account}})', {})).to.throw('{{account}}');
  });

  it('converts Windows FILETIME both ways, with 0 and the maximum meaning never', () => {
    expect(toFiletime(new Date('2024-01-01T00:00:00Z'))).to.equal('133485408000000000');
    expect(fromFiletime('133485408000000000')?.toISOString()).to.equal('2024-01-01T00:00:00.000Z');
    expect(fromFiletime('116444736000000000')?.toISOString()).to.equal('1970-01-01T00:00:00.000Z');
    expect(fromFiletime('0')).to.equal(null);
    expect(fromFiletime('9223372036854775807')).to.equal(null);
  });

  it('flips only ACCOUNTDISABLE (0x2) in userAccountControl', () => {
    expect(enabledUac(514)).to.equal(512);
    expect(disabledUac(512)).to.equal(514);
    expect(enabledUac(0x10202)).to.equal(0x10200, 'DONT_EXPIRE_PASSWORD kept');
    expect(disabledUac(514)).to.equal(514);
  });

  it('encodes unicodePwd as the quoted password in UTF-16LE', () => {
    expect([...toUnicodePwd('aé1')]).to.deep.equal([0x22, 0, 0x61, 0, 0xe9, 0, 0x31, 0, 0x22, 0]);
  });

  it('encodes the RFC 3062 request and LDAP times', () => {
    expect(passwordModifyRequest('a', 'b').toString('hex')).to.equal('3006800161820162');
    expect(toGeneralizedTime(new Date('2025-03-04T05:06:07.890Z'))).to.equal('20250304050607Z');
    expect(fromGeneralizedTime('20250304050607Z')?.toISOString()).to.equal('2025-03-04T05:06:07.000Z');
    expect(fromGeneralizedTime('20250304050607.5Z')?.toISOString()).to.equal('2025-03-04T05:06:07.500Z');
    expect(fromGeneralizedTime('garbage')).to.equal(null);
    expect(toShadowDay(new Date('1970-01-02T00:00:00Z'))).to.equal(1);
    expect(toShadowDay(new Date('1970-01-02T00:00:01Z'))).to.equal(2, 'rounded up: never cut a grant short');
  });

  it('reads an AD account state from userAccountControl and accountExpires', () => {
    const now = new Date('2025-06-01T00:00:00Z');
    const entry = (uac: string, expires: string) =>
      ({ dn: 'cn=x', userAccountControl: uac, accountExpires: expires }) as Entry;
    expect(readAccountState('active-directory', 'x', entry('512', '0'), now)).to.include({
      enabled: true,
      expiresAt: null,
    });
    expect(readAccountState('active-directory', 'x', entry('514', '0'), now)).to.include({ enabled: false });
    expect(
      readAccountState('active-directory', 'x', entry('512', toFiletime(new Date('2025-05-31T00:00:00Z'))), now),
    ).to.include({ enabled: false });
  });

  it('generates passwords of the asked length with every character class', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword(16);
      expect(p).to.have.length(16);
      for (const cls of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) expect(p).to.match(cls);
      expect(p).to.not.match(/["'\\\s]/);
      seen.add(p);
    }
    expect(seen.size).to.equal(200);
  });
});
