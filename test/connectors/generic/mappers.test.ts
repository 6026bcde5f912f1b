import { expect } from 'chai';
import {
  parseWebhook,
  personOf,
  positionOf,
  readableComment,
  snapshotFromPayload,
  toHistory,
  toSnapshot,
  toStatusChanges,
  valueFor,
} from '../../../connectors/generic/mappers';
import { genericConfigSchema } from '../../../connectors/generic/schema';
import { deskGenericConfig } from '../../fakes/generic/desk-config';
import { CredgateError } from '../../../src/util/errors';

const config = genericConfigSchema.parse(deskGenericConfig());
const raw = (o: unknown) => Buffer.from(JSON.stringify(o));

/** A Desk ticket as GET /api/v1/tickets/{id} answers it, under `data`. */
const deskTicket = {
  id: 1001,
  number: 'DESK-1001',
  title: 'Access to the reporting database',
  body: 'Account: svc_reports\nDuration: 1h',
  state: 'awaiting-approval',
  category: 'Credential request',
  queue: 'IT',
  labels: ['shared-account', 'prod'],
  requester: { id: 'p-rita', name: 'Rita Requester', email: 'rita@desk.example' },
  custom: { target_systems: ['reporting-db', 'crm-prod'] },
  notes: [
    {
      id: 'n1',
      author: { id: 'p-rita', name: 'Rita Requester' },
      text: 'Justification: month end',
      created_at: '2026-11-25T10:01:00Z',
    },
    { id: 'n2', author: null, text: 'system note', created_at: '2026-11-25T10:02:00Z' },
  ],
  web_url: 'https://desk.example/tickets/DESK-1001',
};

describe('generic mappers (configured for Desk)', () => {
  describe('parseWebhook', () => {
    it('reads the delivery id, ticket id and key through the configured paths', () => {
      const parsed = parseWebhook(
        raw({ delivery: { id: 'd-1' }, event: 'ticket.created', actor: { id: 'p-rita' }, ticket: deskTicket }),
        'h-1',
        'p-credgate',
        config,
      );
      expect(parsed).to.deep.equal({
        deliveryId: 'd-1',
        tickets: [{ connector: 'generic', id: '1001', key: 'DESK-1001' }],
      });
    });

    it('falls back to the delivery header, then to a digest of the body', () => {
      expect(parseWebhook(raw({ ticket: { id: 5 } }), 'h-1', null, config).deliveryId).to.equal('h-1');
      expect(parseWebhook(raw({ ticket: { id: 5 } }), undefined, null, config)).to.deep.include({
        tickets: [{ connector: 'generic', id: '5', key: '5' }],
      });
      expect(parseWebhook(raw({ ticket: { id: 5 } }), undefined, null, config).deliveryId).to.match(
        /^sha256:[0-9a-f]{64}$/,
      );
    });

    it("ignores deliveries caused by credgate's own account", () => {
      expect(
        parseWebhook(raw({ actor: { id: 'p-credgate' }, ticket: { id: 5 } }), undefined, 'p-credgate', config).ignored,
      ).to.equal('caused by credgate itself');
      const wholeActor = genericConfigSchema.parse(deskGenericConfig({ actorIdPath: '$.actor' }));
      expect(
        parseWebhook(raw({ actor: 'p-credgate', ticket: { id: 5 } }), undefined, 'p-credgate', wholeActor).ignored,
      ).to.equal('caused by credgate itself');
      expect(
        parseWebhook(raw({ actor: { id: 'p-credgate' }, ticket: { id: 5 } }), undefined, 'p-credgate', wholeActor)
          .ignored,
      ).to.equal('caused by credgate itself');
      expect(
        parseWebhook(raw({ actor: { id: 'p-rita' }, ticket: { id: 5 } }), undefined, 'p-credgate', wholeActor).ignored,
      ).to.equal(undefined);
    });

    it('refuses bodies it cannot read with bad-input, naming the path it looked at', () => {
      expect(() => parseWebhook(Buffer.from('{'), undefined, null, config)).to.throw(CredgateError, /not valid JSON/);
      expect(() => parseWebhook(raw({ ticket: { id: { toString: 1 } } }), undefined, null, config))
        .to.throw(CredgateError, /\$\.ticket\.id/)
        .with.property('kind', 'bad-input');
      expect(() => parseWebhook(raw([1]), undefined, null, config))
        .to.throw(CredgateError)
        .with.property('kind', 'bad-input');
    });
  });

  it('reads people from ids, common names, or configured person fields', () => {
    expect(personOf('p-1', config.personFields)).to.deep.equal({ id: 'p-1', displayName: 'p-1' });
    expect(personOf({ login: 'octo', display_name: 'Octo Cat', email_address: 'o@x' }, {})).to.deep.equal({
      id: 'octo',
      displayName: 'Octo Cat',
      email: 'o@x',
    });
    expect(
      personOf({ uid: 7, full: 'Seven', mail: 's@x' }, { id: '$.uid', name: '$.full', email: '$.mail' }),
    ).to.deep.equal({ id: '7', displayName: 'Seven', email: 's@x' });
    expect(personOf({ name: 'No id' }, { id: '$.uid' })).to.equal(null);
    expect(personOf(null, {})).to.equal(null);
  });

  it('maps status values to positions case-insensitively, and positions back to the first value', () => {
    expect(positionOf('Awaiting-Approval', config.statuses)).to.equal('pending-approval');
    expect(positionOf('on-fire', config.statuses)).to.equal('other');
    expect(valueFor('granted', config.statuses)).to.equal('access-active');
    expect(valueFor('closed', config.statuses)).to.equal(null);
  });

  it('maps the ticket object: every configured path, facts from custom fields, notes as replies', () => {
    const snap = toSnapshot(deskTicket, deskTicket, { connector: 'generic', id: '1001', key: 'DESK-1001' }, config);
    expect(snap).to.deep.include({
      url: 'https://desk.example/tickets/DESK-1001',
      status: 'awaiting-approval',
      position: 'pending-approval',
      summary: 'Access to the reporting database',
      description: 'Account: svc_reports\nDuration: 1h',
      issueType: 'Credential request',
      project: 'IT',
      labels: ['shared-account', 'prod'],
      mappedFacts: { systems: 'reporting-db, crm-prod' },
    });
    expect(snap.reporter).to.deep.equal({ id: 'p-rita', displayName: 'Rita Requester', email: 'rita@desk.example' });
    expect(snap.replies).to.deep.equal([
      {
        author: { id: 'p-rita', displayName: 'Rita Requester' },
        body: 'Justification: month end',
        at: '2026-11-25T10:01:00Z',
      },
    ]);
  });

  it('reads history items through the mapping, keeps only the filtered kind, sorts oldest first and marks its own', () => {
    const activity = {
      items: [
        {
          id: 'a3',
          kind: 'state',
          actor: { id: 'p-credgate', name: 'credgate' },
          from: 'approved',
          to: 'access-active',
          at: '2026-11-25T10:06:00Z',
        },
        {
          id: 'a2',
          kind: 'state',
          actor: { id: 'p-alice', name: 'Alice' },
          from: 'awaiting-approval',
          to: 'approved',
          at: '2026-11-25T10:05:00Z',
        },
        { id: 'a1', kind: 'note', actor: { id: 'p-rita' }, at: '2026-11-25T10:01:00Z' },
        { id: 'a0', kind: 'state', actor: null, to: 'approved', at: '2026-11-25T10:00:00Z' },
      ],
    };
    const mapping = config.api!.requests.getHistory.responseMapping;
    const changes = toStatusChanges(toHistory(activity, mapping, config.personFields), 'p-credgate', config.statuses);
    expect(changes.map((c) => [c.id, c.actor.id, c.from, c.to, c.position, c.bySelf])).to.deep.equal([
      ['a2', 'p-alice', 'awaiting-approval', 'approved', 'approved', false],
      ['a3', 'p-credgate', 'approved', 'access-active', 'granted', true],
    ]);
  });

  it('reads a stored comment as a person would, whatever the markup', () => {
    expect(readableComment('ref cg-1/2', 'text')).to.equal('ref cg-1/2');
    expect(readableComment('ref cg\\-1/2 \\*x\\*', 'markdown')).to.equal('ref cg-1/2 *x*');
    expect(readableComment('<p>ref cg-1&#47;2 &lt;b&gt;</p>', 'html')).to.include('ref cg-1/2 <b>');
    expect(readableComment('a@\u2060b', 'text')).to.equal('a@b');
  });

  it('describes a webhook body for `credgate simulate` through webhookTicketPath', () => {
    const snap = snapshotFromPayload({ delivery: { id: 'd' }, ticket: deskTicket }, config);
    expect(snap?.ref).to.deep.equal({ connector: 'generic', id: '1001', key: 'DESK-1001' });
    expect(snap?.issueType).to.equal('Credential request');
    expect(snapshotFromPayload({ nothing: true }, config)).to.equal(null);
  });
});
