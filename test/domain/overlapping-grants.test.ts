import { expect } from 'chai';
import { accessKeyOf, accountKeyOf, viewOfHolders } from '../../src/domain/overlapping-grants';
import type { AccessTarget } from '../../src/domain/access-target';
import type { CredentialRequest } from '../../src/domain/request';

type Keyed = Pick<CredentialRequest, 'access' | 'facts' | 'requester'>;

const group = (dn: string, share: AccessTarget['share'] = 'none'): AccessTarget => ({
  binding: 'vpn-admins',
  provider: 'corp-ad',
  settings: { group: dn },
  rotateOnRevoke: false,
  share,
});
const request = (account: string, email: string, access: AccessTarget | null): Keyed => ({
  access,
  requester: { id: email.split('@')[0], email, displayName: email },
  facts: { systems: ['vpn'], account, access: 'admin', justification: 'x', duration: '1h', company: '', client: '' },
});

describe('domain: overlapping grants', () => {
  it('two grants of the same group to the same person overlap, whatever the case and spacing', () => {
    const vpn = group('CN=VPN Admins,DC=corp');
    expect(accessKeyOf(request('Admin ', 'Bob@corp.example', vpn))).to.equal(
      accessKeyOf(request('admin', 'bob@corp.example', vpn)),
    );
  });

  it('another grantee, another account or another group is another piece of access', () => {
    const vpn = group('CN=VPN Admins,DC=corp');
    const key = accessKeyOf(request('admin', 'bob@corp.example', vpn));
    expect(accessKeyOf(request('admin', 'eve@corp.example', vpn))).not.to.equal(key);
    expect(accessKeyOf(request('root', 'bob@corp.example', vpn))).not.to.equal(key);
    expect(accessKeyOf(request('admin', 'bob@corp.example', group('CN=DB Admins,DC=corp')))).not.to.equal(key);
    expect(accessKeyOf(request('admin', 'bob@corp.example', null))).not.to.equal(key);
  });

  it('a shared account whose password is handed out is one piece of access whoever holds it', () => {
    const shared = group('CN=Backup,DC=corp', 'rotate');
    const bob = request('svc_backup', 'bob@corp.example', shared);
    const eve = request('svc_backup', 'eve@corp.example', shared);
    expect(accessKeyOf(bob)).to.equal(accessKeyOf(eve));
    expect(accessKeyOf(bob)).to.equal(accountKeyOf(bob));
  });

  it('keys carry no email or account name in clear', () => {
    const key = accessKeyOf(request('svc_backup', 'bob@corp.example', group('CN=VPN,DC=corp')));
    expect(key).to.match(/^[0-9a-f]{32}$/);
  });

  it('the access lasts until the latest holder ends, and for ever while one has no end', () => {
    const view = viewOfHolders(
      { version: 3, holders: { a: '2026-12-01T10:00:00.000Z', b: '2026-12-03T10:00:00.000Z', c: null } },
      'a',
    );
    expect(view.others).to.deep.equal(['b', 'c']);
    expect(view.until).to.equal(null);
    const bounded = viewOfHolders(
      { version: 3, holders: { a: '2026-12-01T10:00:00.000Z', b: '2026-12-03T10:00:00.000Z' }, sealedSecret: 's' },
      'c',
    );
    expect(bounded).to.deep.equal({ others: ['a', 'b'], until: '2026-12-03T10:00:00.000Z', sealedSecret: 's' });
    expect(viewOfHolders({ version: 1, holders: {} }, 'a')).to.deep.equal({
      others: [],
      until: null,
      sealedSecret: null,
    });
  });
});
