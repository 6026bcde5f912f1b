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
});
