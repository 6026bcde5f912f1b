import { expect } from 'chai';
import { quickPolicy } from '../helpers/policy';
import type { Facts } from '../../src/domain/request';

const facts = (over: Partial<Facts>): Facts => ({
  systems: [],
  account: '',
  access: '',
  justification: '',
  duration: '',
  company: '',
  client: '',
  ...over,
});

describe('policy: provider bindings', () => {
  const policy = quickPolicy({
    providers: [
      {
        id: 'prod-vault',
        provider: 'vault',
        match: { systems: ['prod-*'], categories: ['shared-account'] },
        with: { path: 'kv/prod' },
        share: 'rotate',
      },
      {
        id: 'vendor-ad',
        provider: 'corp-ad',
        match: { accounts: ['vnd_*'] },
        with: { mode: 'enable' },
        rotateOnRevoke: true,
      },
      { id: 'vpn', provider: 'corp-ad', match: { systems: ['VPN'] }, with: { group: 'cn=vpn' } },
    ],
  });

  it('picks the first binding whose every pattern matches, case-insensitively', () => {
    expect(
      policy.accessTargetFor('shared-account', facts({ systems: ['crm', 'PROD-db01'], account: 'sa' })),
    ).to.deep.equal({
      binding: 'prod-vault',
      provider: 'vault',
      settings: { path: 'kv/prod' },
      rotateOnRevoke: false,
      share: 'rotate',
    });
    // Same system, other category: the first binding does not apply.
    expect(
      policy.accessTargetFor('vendor-access', facts({ systems: ['prod-db01'], account: 'vnd_acme' }))?.binding,
    ).to.equal('vendor-ad');
    expect(policy.accessTargetFor('shared-account', facts({ systems: ['vpn'], account: 'x' }))?.binding).to.equal(
      'vpn',
    );
  });

  it('falls back to none (the builtin ledger) when nothing matches; a pattern is not a regular expression', () => {
    expect(policy.accessTargetFor('shared-account', facts({ systems: ['crm'], account: 'admin' }))).to.equal(null);
    expect(policy.accessTargetFor('shared-account', facts({ systems: ['vpnX'], account: 'admin' }))).to.equal(null);
    expect(
      policy.accessTargetFor('shared-account', facts({ systems: ['prod-.*'], account: 'admin' }))?.binding,
    ).to.equal('prod-vault');
  });

  it('rejects two bindings with one id', () => {
    expect(() =>
      quickPolicy({
        providers: [
          { id: 'a', provider: 'x' },
          { id: 'a', provider: 'y' },
        ],
      }),
    ).to.throw(/provider binding id "a" is used twice/);
  });
});
