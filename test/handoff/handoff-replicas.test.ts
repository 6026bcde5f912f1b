import { expect } from 'chai';
import { freshPostgresUrl, freshRedisUrl, freshSqliteUrl } from '../helpers/stores';
import { FakeClock, Rig, reveal, shownSecret } from './handoff-rig';

/*
 * The claim that makes a link one-time is the store engine's compare-and-swap. Here two replicas
 * (two processes' worth of store connections and HTTP servers, one shared store) race for the
 * same link on each real engine; SQLite runs one process, so its "replicas" share one store.
 */
const ENGINES: { name: string; url: () => Promise<string>; shared: boolean }[] = [
  { name: 'sqlite file', url: async () => freshSqliteUrl(), shared: false },
  { name: 'redis', url: () => freshRedisUrl(14), shared: true },
  { name: 'postgres', url: async () => freshPostgresUrl(), shared: true },
];

for (const engine of ENGINES) {
  describe(`one-time links on ${engine.name} (real server)`, function () {
    this.timeout(20_000);
    let a: Rig;
    let b: Rig;
    beforeEach(async () => {
      const url = await engine.url();
      const clock = new FakeClock();
      a = await Rig.start({ storeUrl: url, clock });
      b = engine.shared ? await Rig.start({ storeUrl: url, clock }) : await Rig.start({ store: a.store, clock });
    });
    afterEach(async () => {
      const logs = [...a.logs, ...b.logs].join('');
      expect(logs).not.to.include('replica-Secret');
      await b.stop();
      await a.stop();
    });

    it('exactly one of many reveals racing on two replicas gets the secret', async () => {
      const link = await a.issue('replica-Secret-1');
      const path = new URL(link.url).pathname;
      const answers = await Promise.all([...Array(8)].map((_, i) => reveal(`${(i % 2 ? a : b).url}${path}`)));
      expect(answers.filter((x) => x.status === 200).map((x) => shownSecret(x.body))).to.deep.equal([
        'replica-Secret-1',
      ]);
      expect(answers.filter((x) => x.status === 410)).to.have.length(7);
      expect(a.reveals.length + b.reveals.length).to.equal(1);
      const dump = await a.dumpStore();
      expect(dump).to.include('"state":"revealed"');
      expect(dump).not.to.include('replica-Secret');
      expect(dump).not.to.include(link.url.split('/').pop());
    });

    it('a retry on the other replica retires the first link', async () => {
      const first = await a.issue('replica-Secret-2', { idempotencyKey: 'grant:r:e' });
      const second = await b.issue('replica-Secret-3', { idempotencyKey: 'grant:r:e' });
      expect((await reveal(first.url)).status).to.equal(410);
      expect(shownSecret((await reveal(second.url)).body)).to.equal('replica-Secret-3');
      const dump = await b.dumpStore();
      expect(dump.match(/"state":"live"/g)).to.equal(null);
    });

    it('purgeExpired empties the namespace once everything has expired', async () => {
      await a.issue('replica-Secret-4', { idempotencyKey: 'grant:r:e' });
      await a.issue('replica-Secret-5', { idempotencyKey: 'grant:r:e' });
      await b.issue('replica-Secret-6');
      a.clock.advance(25 * 3_600_000);
      expect(await b.handoff.purgeExpired()).to.equal(3);
      expect(await a.dumpStore()).not.to.include('"kind":"link"');
      a.clock.advance(24 * 3_600_000);
      await a.handoff.purgeExpired();
      expect(await b.dumpStore()).to.equal('');
    });
  });
}
