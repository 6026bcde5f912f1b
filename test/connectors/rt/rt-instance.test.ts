import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { RT_QUEUE, RT_WEBHOOK_SECRET, sharedRt, type RtInstance } from '../../helpers/rt';
import { eventually } from '../../helpers/harness';

/** The real RT the rt connector is tested against: it starts, resets, and its Scrip signs what it sends. */
describe('rt: the test instance of Request Tracker 5', function () {
  this.timeout(120_000);
  let rt: RtInstance;
  let hook: Server;
  const received: { body: string; signature: string | undefined }[] = [];

  before(async () => {
    rt = await sharedRt();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-credgate-signature'] as string | undefined });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await new Promise((r) => hook.close(r));
  });
  beforeEach(async () => {
    await rt.reset();
    received.length = 0;
    rt.setWebhookTarget(`http://127.0.0.1:${(hook.address() as { port: number }).port}/`);
  });

  it('the Scrip posts a ticket creation, signed with HMAC-SHA256 of the body', async () => {
    const created = await rt.as('rita').post('/ticket', { Queue: RT_QUEUE, Subject: 'hello', Content: 'Account: x' });
    const id = Number(created.data.id);
    await eventually(() => expect(received).to.have.length(1));
    const body = JSON.parse(received[0].body);
    expect(body).to.include({ ticket: id, queue: RT_QUEUE });
    expect(body.types).to.deep.equal(['Create']);
    const expected = createHmac('sha256', RT_WEBHOOK_SECRET).update(received[0].body).digest('hex');
    expect(received[0].signature).to.equal(`sha256=${expected}`);
  });

  it('reset leaves no ticket behind', async () => {
    await rt.as('rita').post('/ticket', { Queue: RT_QUEUE, Subject: 'before reset' });
    await rt.reset();
    const found = await rt.api.get('/tickets', { params: { query: `Queue = '${RT_QUEUE}'` } });
    expect(found.data.total ?? found.data.count).to.equal(0);
  });
});
