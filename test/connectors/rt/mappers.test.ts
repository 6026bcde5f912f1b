import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { capHtml, openTicketsQuery, parseWebhook, toStatusChanges } from '../../../connectors/rt/mappers';
import { rtConfigSchema } from '../../../connectors/rt/schema';
import { verifyRtDelivery } from '../../../connectors/rt/verify';
import type { RtTransaction } from '../../../connectors/rt/types';
import { CredgateError } from '../../../src/util/errors';

const SECRET = 'rt-webhook-secret-for-unit-tests';
const signed = (body: string, secret = SECRET) => ({
  rawBody: Buffer.from(body),
  headers: { 'x-credgate-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
});
const { statuses } = rtConfigSchema.parse({});

describe("rt: the Scrip's delivery and RT's JSON, translated", () => {
  const body = JSON.stringify({ ticket: 7, queue: 'Credential request', transactions: [41, 42], types: ['Status'] });

  it('accepts the body the Scrip signed and refuses any other signature or none', () => {
    expect(() => verifyRtDelivery(signed(body), { webhookSecret: SECRET })).not.to.throw();
    for (const delivery of [
      signed(body, 'another-secret-of-16-chars'),
      { rawBody: Buffer.from(`${body} `), headers: signed(body).headers },
      { rawBody: Buffer.from(body), headers: {} },
    ]) {
      expect(() => verifyRtDelivery(delivery, { webhookSecret: SECRET }))
        .to.throw(CredgateError)
        .with.property('kind', 'auth');
    }
    expect(() => verifyRtDelivery(signed(body), { webhookSecret: undefined })).to.throw(/RT_WEBHOOK_SECRET/);
  });

  it('gives one delivery id per transaction batch, the same when RT sends it again', () => {
    const first = parseWebhook(Buffer.from(body));
    expect(first.tickets).to.deep.equal([{ connector: 'rt', id: '7', key: '#7' }]);
    expect(parseWebhook(Buffer.from(body)).deliveryId).to.equal(first.deliveryId);
    const next = JSON.stringify({ ticket: 7, transactions: [43], types: ['Comment'] });
    expect(parseWebhook(Buffer.from(next)).deliveryId).not.to.equal(first.deliveryId);
    expect(() => parseWebhook(Buffer.from('{"ticket":"x"}'))).to.throw(/numeric "ticket"/);
    expect(() => parseWebhook(Buffer.from('not json'))).to.throw(/not valid JSON/);
  });

  it('reads status changes, who made them and whether credgate did, oldest first', () => {
    const user = (id: string) => ({ type: 'user', id });
    const history: RtTransaction[] = [
      {
        id: '60',
        Type: 'Status',
        OldValue: 'pending approval',
        NewValue: 'approved',
        Creator: user('alice'),
        Created: '2026-01-01T10:02:00Z',
      },
      { id: '58', Type: 'Create', Creator: user('rita'), Created: '2026-01-01T10:00:00Z' },
      {
        id: '59',
        Type: 'Status',
        OldValue: 'new',
        NewValue: 'pending approval',
        Creator: user('credgate'),
        Created: '2026-01-01T10:01:00Z',
      },
    ];
    const people = new Map([['alice', { id: 'alice', displayName: 'Alice Approver' }]]);
    const changes = toStatusChanges(history, people, 'credgate', statuses);
    expect(changes.map((c) => [c.id, c.actor.displayName, c.position, c.bySelf])).to.deep.equal([
      ['rt-txn-59', 'credgate', 'pending-approval', true],
      ['rt-txn-60', 'Alice Approver', 'approved', false],
    ]);
  });

  it('cuts a long comment without leaving half an entity or tag, and says so', () => {
    const html = `<p>${'a&amp;'.repeat(20_000)}</p>`;
    const cut = capHtml(html, 1000);
    expect(cut.length).to.be.at.most(1000);
    expect(cut).to.match(/(a|&amp;)<p>… \(cut/);
    expect(cut).not.to.match(/&[#a-z0-9]*<p>…/);
    expect(capHtml('<p>short</p>', 1000)).to.equal('<p>short</p>');
  });

  it('quotes requester-controlled names in TicketSQL so they cannot widen the search', () => {
    expect(openTicketsQuery(["Bob's queue"], ['pending approval'])).to.equal(
      "(Queue = 'Bob\\'s queue') AND (Status = 'pending approval')",
    );
  });
});
