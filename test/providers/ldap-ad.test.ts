import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Attribute, Change, Client, type Entry } from 'ldapts';
import pino from 'pino';
import { createLdapProvider, ldapProviderSchema } from '../../src/providers/ldap';
import { toFiletime } from '../../src/providers/ldap/encodings';
import { adBindReason } from '../../src/providers/ldap/errors';
import type { AccessContext, AccessProvider } from '../../src/providers/types';
import { isCredgateError, type CredgateError } from '../../src/util/errors';
import { AD, AD_PASSWORDS, STRICT_MIN_LENGTH, startSambaAd, type SambaAd } from '../helpers/samba-ad';

let seq = 0;
function context(
  settings: Record<string, string>,
  over: Partial<AccessContext> = {},
): AccessContext & { reason: string } {
  seq += 1;
  return {
    requestId: `req-ad-${seq}`,
    ticket: { connector: 'jira', id: `${seq}`, key: `CRED-${seq}` },
    requester: { id: 'acc-alice', displayName: 'Alice', email: 'alice@test.lan' },
    facts: {
      systems: ['vpn'],
      account: 'vnd-acme',
      access: 'login',
      justification: 'incident',
      duration: '2h',
      company: 'Example',
      client: 'Example',
    },
    expiresAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
    target: { binding: 'ad-binding', provider: 'corp-ad', settings, rotateOnRevoke: false, share: 'none' },
    idempotencyKey: `key-ad-${seq}`,
    reason: 'expired',
    ...over,
  };
}
const withAccount = (account: string) => ({ facts: { ...context({}).facts, account } });

async function rejection(promise: Promise<unknown>): Promise<CredgateError> {
  try {
    await promise;
  } catch (err) {
    if (isCredgateError(err)) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/**
 * The ldap provider's Active Directory flavour against a real domain controller (Samba 4 AD DC),
 * bound as an account holding only the rights the provider's readme lists: Write Members on
 * OU=Groups' groups, Write userAccountControl and accountExpires on OU=Vendors' users, Reset
 * Password on OU=Shared's users (test/helpers/samba-ad.ts).
 */
describe('ldap provider, Active Directory flavour, against a real Samba AD DC', function () {
  this.timeout(60_000);
  let ad: SambaAd;
  let admin: Client;
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const providers: AccessProvider[] = [];

  function provider(over: Record<string, unknown> = {}): AccessProvider {
    const config = ldapProviderSchema.parse({
      type: 'ldap',
      flavor: 'active-directory',
      url: ad.ldapsUrl,
      bindDN: ad.bindDN,
      bindPassword: ad.bindPassword,
      baseDN: ad.baseDN,
      userFilter: '(&(objectCategory=person)(mail={{email}}))',
      tls: { caFile: ad.caFile },
      timeouts: { connect: '2s', operation: '5s' },
      ...over,
    });
    const p = createLdapProvider('corp-ad', config, { log });
    providers.push(p);
    return p;
  }

  async function read(dn: string, attributes: string[]): Promise<Entry> {
    const { searchEntries } = await admin.search(dn, { scope: 'base', attributes });
    return searchEntries[0];
  }
  const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

  /** Binds as `dn` over LDAPS the way a vendor's tool would; null when it works, else AD's reason. */
  async function bindOutcome(dn: string, password: string): Promise<string | null> {
    const client = new Client({ url: ad.ldapsUrl, timeout: 5000, tlsOptions: { ca: readFileSync(ad.caFile) } });
    try {
      await client.bind(dn, password);
      return null;
    } catch (err) {
      return adBindReason((err as Error).message)?.code ?? `unexpected: ${(err as Error).message}`;
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  before(async () => {
    ad = await startSambaAd();
    admin = new Client({ url: ad.ldapsUrl, timeout: 5000, tlsOptions: { ca: readFileSync(ad.caFile) } });
    await admin.bind(ad.adminDN, ad.adminPassword);
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close?.()));
    await admin?.unbind().catch(() => undefined);
    await ad?.stop();
  });

  describe('mode group', () => {
    it('adds the requester to an AD group (memberOf follows), twice harmlessly; revoke removes them, twice harmlessly', async () => {
      const ldap = provider();
      const ctx = context({ group: AD.vpnAdmins });
      expect((await ldap.grant(ctx))?.detail).to.include({
        member: AD.alice,
        memberAttribute: 'member',
        outcome: 'added',
      });
      expect((await ldap.grant(ctx))?.detail?.outcome).to.equal('already-member');
      expect(list((await read(AD.vpnAdmins, ['member'])).member)).to.deep.equal([AD.alice]);
      // memberOf is AD's back-link, computed by the DC: what Windows hosts read for the group's rights.
      expect(list((await read(AD.alice, ['memberOf'])).memberOf)).to.deep.equal([AD.vpnAdmins]);

      expect((await ldap.revoke(ctx))?.detail?.outcome).to.equal('removed');
      expect((await ldap.revoke(ctx))?.detail?.outcome).to.equal('not-member');
      expect(list((await read(AD.vpnAdmins, ['member'])).member)).to.deep.equal([]);
      expect(list((await read(AD.alice, ['memberOf'])).memberOf)).to.deep.equal([]);
    });

    it('a group outside the delegated OU is refused as a rights problem naming the bind account, and stays unchanged', async () => {
      const err = await rejection(provider().grant(context({ group: AD.finance })));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include(AD.bind).and.include(AD.finance);
      expect(list((await read(AD.finance, ['member'])).member)).to.deep.equal([]);
    });
  });

  describe('mode enable (userAccountControl + accountExpires)', () => {
    it('opens the vendor account until the expiry, and revoke closes it: AD refuses the bind with 533', async () => {
      const ldap = provider();
      expect(await bindOutcome(AD.vendor, AD_PASSWORDS.vendor)).to.equal('533');
      const expiresAt = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
      const ctx = context({ mode: 'enable' }, { expiresAt: expiresAt.toISOString() });
      await ldap.grant(ctx);
      const open = await read(AD.vendor, ['userAccountControl', 'accountExpires']);
      expect(Number(open.userAccountControl) & 0x2).to.equal(0);
      expect(open.accountExpires).to.equal(toFiletime(expiresAt));
      expect(await bindOutcome(AD.vendor, AD_PASSWORDS.vendor)).to.equal(null);
      expect(await ldap.inspect!(ctx.target, 'vnd-acme')).to.include({
        exists: true,
        enabled: true,
        expiresAt: expiresAt.toISOString(),
      });

      await ldap.revoke(ctx);
      await ldap.revoke(ctx);
      expect(Number((await read(AD.vendor, ['userAccountControl'])).userAccountControl) & 0x2).to.equal(0x2);
      expect(await bindOutcome(AD.vendor, AD_PASSWORDS.vendor)).to.equal('533');
      expect(await ldap.inspect!(ctx.target, 'vnd-acme')).to.include({ enabled: false });
    });

    it('an expiry already past leaves the account closed by AD itself (701), even while enabled', async () => {
      const ldap = provider();
      const ctx = context({ mode: 'enable' }, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
      await ldap.grant(ctx);
      expect(Number((await read(AD.vendor, ['userAccountControl'])).userAccountControl) & 0x2).to.equal(0);
      expect(await bindOutcome(AD.vendor, AD_PASSWORDS.vendor)).to.equal('701');
      expect(await ldap.inspect!(ctx.target, 'vnd-acme')).to.include({ exists: true, enabled: false });
      await ldap.revoke(ctx);
      expect(await bindOutcome(AD.vendor, AD_PASSWORDS.vendor)).to.equal('533');
      expect(await bindOutcome(AD.vendor, 'not-the-Password-1x')).to.equal('52e');
    });

    it('a vendor account outside the delegated OU is refused as a rights problem, and stays closed', async () => {
      const err = await rejection(provider().grant(context({ mode: 'enable' }, withAccount('vnd-other'))));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include(AD.bind);
      expect(await bindOutcome(AD.otherVendor, AD_PASSWORDS.otherVendor)).to.equal('533');
    });

    it('inspect reports a missing account; disable closes a stale one', async () => {
      const ldap = provider();
      expect(await ldap.inspect!(context({}).target, 'nobody-here')).to.include({ exists: false, enabled: false });
      await ldap.grant(context({ mode: 'enable' }));
      await ldap.disable!(context({}).target, 'vnd-acme', 'review purge');
      expect(await bindOutcome(AD.vendor, AD_PASSWORDS.vendor)).to.equal('533');
    });
  });

  describe('rotate (unicodePwd)', () => {
    let current: string = AD_PASSWORDS.backup;

    it('over LDAPS: the new password binds, the old one gets 52e', async () => {
      const result = await provider().rotate(context({ rotateAccount: 'svc-backup' }));
      expect(result?.detail?.method).to.equal('unicodePwd');
      const password = result?.secret?.value as string;
      expect(await bindOutcome(AD.backup, password)).to.equal(null);
      expect(await bindOutcome(AD.backup, current)).to.equal('52e');
      current = password;
    });

    it('over StartTLS on port 389 the same', async () => {
      const result = await provider({ url: ad.url, tls: { caFile: ad.caFile, startTLS: true } }).rotate(
        context({ rotateAccount: 'svc-backup' }),
      );
      const password = result?.secret?.value as string;
      expect(await bindOutcome(AD.backup, password)).to.equal(null);
      expect(await bindOutcome(AD.backup, current)).to.equal('52e');
      current = password;
    });

    it('plain ldap:// is refused before connecting; AD would refuse the bind anyway', async () => {
      const plain = await rejection(
        provider({ url: ad.url, tls: {} }).rotate(context({ rotateAccount: 'svc-backup' })),
      );
      expect(plain.kind).to.equal('config');
      expect(plain.message).to.include('ldaps');
      // Samba, as a hardened AD, takes no simple bind without TLS: the error says what to change.
      const bind = await rejection(provider({ url: ad.url, tls: {} }).inspect!(context({}).target, 'svc-backup'));
      expect(bind.kind).to.equal('config');
      expect(bind.message).to.match(/ldaps:\/\/ or tls\.startTLS/);
      expect(await bindOutcome(AD.backup, current)).to.equal(null);
    });

    it('a password the domain policy refuses is a clear configuration error, never naming the password', async () => {
      const from = lines.length;
      const err = await rejection(provider().rotate(context({ rotateAccount: 'svc-strict' })));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include('password policy').and.include(AD.strict).and.include('passwordLength');
      expect(err.message).to.include(String(STRICT_MIN_LENGTH));
      expect(lines.slice(from).join('')).to.include('password policy');
      expect(await bindOutcome(AD.strict, AD_PASSWORDS.strict)).to.equal(null);
    });

    it('a shared account outside the delegated OU is refused as a rights problem; its password stays', async () => {
      const err = await rejection(provider().rotate(context({ rotateAccount: 'alice' })));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include(AD.bind);
      expect(await bindOutcome(AD.alice, AD_PASSWORDS.alice)).to.equal(null);
    });
  });

  describe('the bind account itself', () => {
    it('a wrong bind password is a configuration error with AD reason 52e, naming the bind DN, never the password', async () => {
      const wrong = 'not-the-Right-password-42';
      const from = lines.length;
      const err = await rejection(provider({ bindPassword: wrong }).grant(context({ group: AD.vpnAdmins })));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include(AD.bind).and.include('wrong password');
      expect(err.message).to.not.include(wrong);
      expect(lines.slice(from).join('')).to.not.include(wrong);
    });

    it('a disabled bind account says so (533), and an expired one (701)', async () => {
      const ldap = provider();
      const set = (type: string, value: string) =>
        admin.modify(
          AD.bind,
          new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }),
        );
      await set('userAccountControl', String(0x202));
      try {
        const err = await rejection(ldap.grant(context({ group: AD.vpnAdmins })));
        expect(err.kind).to.equal('config');
        expect(err.message).to.include(AD.bind).and.include('disabled');
      } finally {
        await set('userAccountControl', String(0x200));
      }
      await set('accountExpires', toFiletime(new Date(Date.now() - 86_400_000)));
      try {
        const err = await rejection(ldap.grant(context({ group: AD.vpnAdmins })));
        expect(err.kind).to.equal('config');
        expect(err.message).to.include('expired');
      } finally {
        await set('accountExpires', '0');
      }
      expect((await ldap.grant(context({ group: AD.vpnAdmins })))?.detail?.outcome).to.be.oneOf([
        'added',
        'already-member',
      ]);
    });
  });
});
