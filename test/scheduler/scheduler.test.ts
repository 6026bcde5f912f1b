import { expect } from 'chai';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store';
import { Scheduler, type ScheduledJob } from '../../src/scheduler/scheduler';
import { createLogger } from '../../src/util/logger';
import { freshSqliteUrl } from '../helpers/stores';

const log = createLogger({ level: 'silent' });

describe('scheduler', function () {
  this.timeout(60_000);

  it('fires a thousand jobs due at the same instant together, not one per millisecond', async () => {
    const store = await openStore(freshSqliteUrl());
    const lags: number[] = [];
    const scheduler = new Scheduler({
      jobs: store.kv.jobs,
      onDue: async (job) => void lags.push(Date.now() - Date.parse(job.at)),
      log,
    });
    try {
      const at = new Date(Date.now() + 1500).toISOString();
      await Promise.all(
        [...Array(1000)].map((_, i) => scheduler.schedule({ requestId: `cg-${i}`, timer: 'expiry', at })),
      );
      await new Promise((r) => setTimeout(r, 2500));
      expect(lags).to.have.length(1000);
      // Every job's callback starts within a few event-loop turns of the instant.
      expect(Math.max(...lags)).to.be.lessThan(250);
    } finally {
      scheduler.stop();
      await store.close();
    }
  });

  it('restores tens of thousands of stored jobs, arming only those within the horizon', async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    // Written straight into the jobs table, as a store that has run for months holds them: one
    // transaction through a second connection, not 40,000 scheduler calls.
    const db = new Database(url.replace(/^sqlite:\/\//, ''));
    const now = Date.now();
    const insert = db.prepare('INSERT INTO jobs (key, value) VALUES (?, ?)');
    db.transaction(() => {
      for (let i = 0; i < 40_000; i++) {
        const job: ScheduledJob = {
          requestId: `cg-${i}`,
          timer: 'expiry',
          at: new Date(now + 60_000 + i * 1000).toISOString(),
        };
        insert.run(`jobs:${job.requestId}:expiry`, JSON.stringify({ value: job }));
      }
    })();
    db.close();
    const scheduler = new Scheduler({
      jobs: store.kv.jobs,
      onDue: async () => undefined,
      log,
      clock: () => new Date(now),
      retryMs: 5000,
      horizonMs: 15 * 60_000,
    });
    try {
      expect(await scheduler.restore()).to.equal(40_000);
      // Due between 1 and 15 minutes from now: jobs 0..840.
      expect(scheduler.size).to.equal(841);
    } finally {
      scheduler.stop();
      await store.close();
    }
  });
});
