import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/open-store';
import { Leases } from '../../src/store/leases';
import { AccessLedger } from '../../src/store/access-ledger';
import { freshPostgresUrl, freshRedisUrl, freshSqliteUrl } from '../helpers/stores';

/**
 * A store written before `meta` was split: its records must be where the new code looks once the
 * service opens it again, so an upgrade loses no overlapping grant, grant detail or sink cursor.
 */
describe('store: records of the old shared `meta` namespace move to their own', () => {
  const open: Store[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  for (const [name, url] of [
    ['sqlite', async () => freshSqliteUrl()],
    ['redis', () => freshRedisUrl(12)],
    ['postgres', async () => freshPostgresUrl()],
  ] as const) {
    it(`on ${name}: the upgraded store keeps the ledger, the grant details and the cursors`, async () => {
      const target = await url();
      const before = await openStore(target);
      // What the old code wrote, all in one namespace.
      const meta = before.engine.keyv('meta');
      await meta.set('holders:abc', { version: 2, holders: { 'jira:1': '2026-12-01T10:00:00.000Z', 'jira:2': null } });
      await meta.set('grant-detail:jira:1', { group: 'cn=vpn', member: 'uid=bob' });
      await meta.set('audit-sink:siem', { version: 4, seq: 120 });
      await meta.set('delivery:jira:d-1', '2026-11-30T09:00:00.000Z');
      await meta.set('desk-session:0123', { user: 'alice' }, 60_000);
      await meta.set('something-else', 1);
      await before.close();

      const after = await openStore(target);
      open.push(after);
      // The second request still holds the access after the first ends: the ledger survived.
      const ledger = new AccessLedger(after.engine, new Leases(after.engine));
      const view = await ledger.release('abc', 'jira:1');
      expect(view.others).to.deep.equal(['jira:2']);
      expect(await after.kv.grant_details.get('grant-detail:jira:1')).to.deep.equal({
        group: 'cn=vpn',
        member: 'uid=bob',
      });
      expect(await after.kv.sink_cursors.get('audit-sink:siem')).to.deep.equal({ version: 4, seq: 120 });
      // A redelivery of a delivery accepted before the upgrade is still a duplicate.
      expect(await after.kv.deliveries.get('delivery:jira:d-1')).to.equal('2026-11-30T09:00:00.000Z');
      // Sessions are credentials: not carried over, people sign in again.
      expect(await after.kv.desk_sessions.get('desk-session:0123')).to.equal(undefined);
      const left = after.engine.keyv('meta');
      expect(await left.get('holders:abc')).to.equal(undefined);
      expect(await left.get('desk-session:0123')).to.equal(undefined);
      expect(await left.get('something-else')).to.equal(1);
    });
  }

  it('a record the new code already wrote is not overwritten by the old copy', async () => {
    const target = freshSqliteUrl();
    const before = await openStore(target);
    await before.engine.keyv('meta').set('holders:abc', { version: 1, holders: { 'jira:1': null } });
    await before.kv.access_holders.set('holders:abc', { version: 2, holders: { 'jira:1': null, 'jira:3': null } });
    await before.close();
    const after = await openStore(target);
    open.push(after);
    expect(await after.kv.access_holders.get('holders:abc')).to.deep.equal({
      version: 2,
      holders: { 'jira:1': null, 'jira:3': null },
    });
  });
});
