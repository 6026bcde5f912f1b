import { expect } from 'chai';
import { Writable } from 'node:stream';
import { RT_QUEUE, RT_WEBHOOK_SECRET, sharedRt, type RtInstance } from '../../helpers/rt';
import { createRtConnector } from '../../../connectors/rt';
import { rtConfigSchema } from '../../../connectors/rt/schema';
import { createLogger } from '../../../src/util/logger';

/** A linked change or incident read through the RT connector, from the real Request Tracker. */
describe('rt: linked tickets read from a real Request Tracker 5', function () {
  this.timeout(180_000);
  let rt: RtInstance;
  before(async function () {
    this.timeout(180_000);
    rt = await sharedRt();
    await rt.reset();
  });

  const connector = () =>
    createRtConnector(
      rtConfigSchema.parse({ baseUrl: rt.url, token: rt.token, webhookSecret: RT_WEBHOOK_SECRET, queues: [RT_QUEUE] }),
      {
        log: createLogger({ level: 'warn', secrets: [], destination: new Writable({ write: (_c, _e, d) => d() }) }),
        now: () => Date.now(),
      },
    );

  it('finds a ticket by the key people write, with its owner, and tells open from resolved and absent', async () => {
    const open = Number((await rt.as('rita').post('/ticket', { Queue: RT_QUEUE, Subject: 'change' })).data.id);
    // In the test instance only root has OwnTicket in the queue.
    // In the test instance only root may own tickets in the queue; RT sometimes refuses the first
    // owner change of a fresh ticket ("Couldn't add member to group"), so it is asked until done.
    let owned = '';
    for (let i = 0; i < 5 && !owned.includes('Owner changed'); i++)
      owned = JSON.stringify((await rt.api.put(`/ticket/${open}`, { Owner: 'root' })).data);
    expect(owned).to.include('Owner changed');
    const done = Number((await rt.as('rita').post('/ticket', { Queue: RT_QUEUE, Subject: 'old change' })).data.id);
    await rt.api.put(`/ticket/${done}`, { Status: 'resolved' });

    const c = connector();
    const linked = await c.fetchLinkedTicket!(`RT#${open}`);
    expect(linked, JSON.stringify(linked)).to.include({ key: `#${open}`, found: true, open: true });
    expect(linked.assignee, JSON.stringify(linked)).to.not.equal(null);
    expect(linked.assignee?.id).to.equal('root');
    expect(await c.fetchLinkedTicket!(`#${done}`)).to.include({ found: true, open: false, status: 'resolved' });
    expect((await c.fetchLinkedTicket!(String(done))).assignee).to.equal(null);
    expect(await c.fetchLinkedTicket!('999999')).to.include({ found: false });
    expect(await c.fetchLinkedTicket!('not a ticket')).to.include({ found: false });
  });
});
