import { expect } from 'chai';
import pino from 'pino';
import { createLdapProvider, ldapProviderSchema } from '../../src/providers/ldap';
import type { AccessProvider } from '../../src/providers/types';
import { startSlapd, type Slapd } from '../helpers/slapd';

describe('ldap provider: the requester manager for approval steps (real slapd)', function () {
  this.timeout(20_000);
  let slapd: Slapd;
  let provider: AccessProvider;
  before(async () => {
    slapd = await startSlapd();
    provider = createLdapProvider(
      'corp-ldap',
      ldapProviderSchema.parse({
        type: 'ldap',
        url: slapd.url,
        bindDN: slapd.bindDN,
        bindPassword: slapd.bindPassword,
        baseDN: slapd.baseDN,
      }),
      { log: pino({ level: 'silent' }) },
    );
  });
  after(async () => {
    await provider?.close?.();
    await slapd?.stop();
  });

  it("reads the manager attribute and returns the manager's mail", async () => {
    expect(await provider.managersOf!({ id: 'acc-alice', email: 'alice@example.test' })).to.deep.equal([
      'bob@example.test',
    ]);
  });

  it('finds nobody for a person without a manager, not in the directory, or without an email', async () => {
    expect(await provider.managersOf!({ id: 'acc-bob', email: 'bob@example.test' })).to.deep.equal([]);
    expect(await provider.managersOf!({ id: 'x', email: 'nobody@example.test' })).to.deep.equal([]);
    expect(await provider.managersOf!({ id: 'acc-alice' })).to.deep.equal([]);
  });
});
