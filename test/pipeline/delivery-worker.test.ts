import { expect } from 'chai';
import { openStore } from '../../src/store/open-store';
import { Inbox } from '../../src/pipeline/inbox';
import { DeliveryWorker } from '../../src/pipeline/delivery-worker';
import { Leases } from '../../src/store/leases';
import { createLogger } from '../../src/util/logger';
import type { TicketProcessor } from '../../src/pipeline/ticket-processor';
import type { TicketRef } from '../../src/domain/ticket';
import { freshSqliteUrl } from '../helpers/stores';

describe('delivery worker', () => {
  it('one sweep hands over every queued delivery, though processing deletes them meanwhile', async () => {
    const store = await openStore(freshSqliteUrl());
    try {
      const inbox = new Inbox(store.engine);
      for (let i = 0; i < 250; i++) {
        await inbox.accept({
          connector: 'jira',
          deliveryId: `d${i}`,
          tickets: [{ connector: 'jira', id: String(i), key: `CRED-${i}` }],
          receivedAt: new Date().toISOString(),
        });
      }
      const seen: string[] = [];
      const processor = {
        processTicket: async (ref: TicketRef) => void seen.push(ref.id),
      } as unknown as TicketProcessor;
      const worker = new DeliveryWorker({
        inbox,
        processor,
        leases: new Leases(store.engine),
        log: createLogger({ level: 'silent' }),
      });
      expect(await worker.sweep()).to.equal(250);
      await worker.idle();
      expect(new Set(seen).size).to.equal(250);
      const left: unknown[] = [];
      for await (const k of inbox.keys()) left.push(k);
      expect(left).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });

  it('processes a burst a few at a time and leaves what overflows the queue to the sweep', async () => {
    const store = await openStore(freshSqliteUrl());
    try {
      const inbox = new Inbox(store.engine);
      const keys: string[] = [];
      for (let i = 0; i < 10; i++) {
        const { key } = await inbox.accept({
          connector: 'jira',
          deliveryId: `b${i}`,
          tickets: [{ connector: 'jira', id: String(i), key: `CRED-${i}` }],
          receivedAt: new Date().toISOString(),
        });
        keys.push(key);
      }
      let inFlight = 0;
      let most = 0;
      const seen: string[] = [];
      const processor = {
        processTicket: async (ref: TicketRef) => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 10));
          inFlight--;
          seen.push(ref.id);
        },
      } as unknown as TicketProcessor;
      const worker = new DeliveryWorker({
        inbox,
        processor,
        leases: new Leases(store.engine),
        log: createLogger({ level: 'silent' }),
        concurrency: 2,
        queueLimit: 3,
      });
      for (const key of keys) void worker.process(key);
      expect(worker.load()).to.include({ queued: 3, deferred: 5 });
      await worker.idle();
      expect(most).to.equal(2);
      expect(seen).to.have.length(5);
      // The five that did not fit are still in the inbox; the sweep hands them over.
      const left: string[] = [];
      for await (const k of inbox.keys()) left.push(k);
      expect(left).to.have.length(5);
      await worker.sweep();
      await worker.idle();
      expect(new Set(seen).size).to.equal(10);
      expect(most).to.equal(2);
    } finally {
      await store.close();
    }
  });
});
