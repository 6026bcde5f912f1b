import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commentMentions,
  htmlToText,
  parseWebhook,
  positionOf,
  snapshotFromPayload,
  toSnapshot,
  toStatusChanges,
  valueFor,
} from '../../../connectors/zendesk/mappers';
import { zendeskConfigSchema } from '../../../connectors/zendesk/schema';
import type { ZendeskAudit, ZendeskTicket, ZendeskUser } from '../../../connectors/zendesk/types';
import { CredgateError } from '../../../src/util/errors';

const FIXTURES = join(__dirname, '../../fixtures/zendesk');
const config = zendeskConfigSchema.parse({ approvalField: '4001', fields: { systems: '4002' } });
const users = new Map<string, ZendeskUser>([
  ['1101', { id: 1101, name: 'Rita Requester', email: 'rita@example.com' }],
  ['1102', { id: 1102, name: 'Alice Approver', email: 'alice@example.com' }],
  ['900', { id: 900, name: 'credgate' }],
]);
const raw = (o: unknown) => Buffer.from(JSON.stringify(o));
const prismatic = JSON.parse(
  readFileSync(join(FIXTURES, 'event-webhook.ticket.created.prismatic-example.json'), 'utf8'),
) as { rawBody: string };

describe('zendesk mappers', () => {
  describe('parseWebhook', () => {
    it('reads the ticket of a real ticket.created event (Prismatic example), keyed by the event id', () => {
      const parsed = parseWebhook(Buffer.from(prismatic.rawBody), '8350205582', null, config);
      expect(parsed).to.deep.equal({
        deliveryId: '01HNXXXX-CTEXAMPLE',
        tickets: [{ connector: 'zendesk', id: '35436', key: '#35436' }],
      });
    });

    it('acknowledges and ignores a non-ticket event (the docs example user.active_changed)', () => {
      const parsed = parseWebhook(
        readFileSync(join(FIXTURES, 'event-webhook.user.active_changed.docs-example.json')),
        undefined,
        null,
        config,
      );
      expect(parsed.tickets).to.deep.equal([]);
      expect(parsed.ignored).to.equal('event zen:event-type:user.active_changed is not handled');
      expect(parsed.deliveryId).to.equal('2b24ef10-19d4-4740-93cf-8f98ec4776c0');
    });

    it('ignores ticket events credgate does not need, events by its own account, and forms it does not serve', () => {
      const event = (type: string, detail: Record<string, unknown>) =>
        raw({
          type: `zen:event-type:ticket.${type}`,
          id: 'e1',
          subject: 'zen:ticket:7',
          detail: { id: '7', ...detail },
        });
      expect(parseWebhook(event('priority_changed', {}), undefined, null, config).ignored).to.match(/not handled/);
      expect(
        parseWebhook(event('custom_field_changed', { actor_id: '900' }), undefined, '900', config).ignored,
      ).to.equal('caused by credgate itself');
      const scoped = zendeskConfigSchema.parse({ approvalField: '4001', ticketForms: [3001] });
      expect(parseWebhook(event('created', { form_id: '3002' }), undefined, null, scoped).ignored).to.equal(
        'ticket form 3002 is not configured',
      );
      expect(parseWebhook(event('created', { form_id: '3001' }), undefined, null, scoped).tickets[0].id).to.equal('7');
    });

    it("reads the documented trigger body, keyed by the invocation id, and ignores credgate's own updates", () => {
      const body = raw({ ticket_id: '42', actor_id: '1102', updated_at: 'November 25, 2026 10:00' });
      expect(parseWebhook(body, '8350205582', '900', config)).to.deep.equal({
        deliveryId: '8350205582',
        tickets: [{ connector: 'zendesk', id: '42', key: '#42' }],
      });
      expect(parseWebhook(raw({ ticket: { id: 42 } }), undefined, null, config).deliveryId).to.match(
        /^sha256:[0-9a-f]{64}$/,
      );
      expect(parseWebhook(raw({ ticket_id: '42', actor_id: '900' }), 'i', '900', config).ignored).to.equal(
        'caused by credgate itself',
      );
    });

    it('refuses bodies it cannot read with bad-input, never a 500', () => {
      for (const body of [
        Buffer.from('not json'),
        raw([1, 2]),
        raw({ ticket_id: { toString: 1 } }),
        raw({ hello: 'world' }),
        raw({ type: 'zen:event-type:ticket.created', id: 'x', detail: {} }),
      ]) {
        expect(() => parseWebhook(body, undefined, null, config))
          .to.throw(CredgateError)
          .with.property('kind', 'bad-input');
      }
    });
  });

  describe('positions', () => {
    const ticket = (status: string, approval: string | null): ZendeskTicket => ({
      id: 1,
      status,
      custom_fields: [{ id: 4001, value: approval }],
    });

    it('reads the approval field, and a closing Zendesk status wins over it', () => {
      expect(positionOf(ticket('open', 'cg_pending_approval'), config)).to.equal('pending-approval');
      expect(positionOf(ticket('hold', 'cg_approved'), config)).to.equal('approved');
      expect(positionOf(ticket('solved', 'cg_granted'), config)).to.equal('closed');
      expect(positionOf(ticket('new', null), config)).to.equal('other');
    });

    it('names the field value for each position credgate sets, and none for closed', () => {
      expect(valueFor('granted', config.statuses)).to.equal('cg_granted');
      expect(valueFor('closed', config.statuses)).to.equal(null);
    });
  });

  describe('toStatusChanges (audits)', () => {
    const audits: ZendeskAudit[] = [
      {
        id: 20,
        author_id: 1102,
        created_at: '2026-11-25T10:05:00Z',
        events: [
          { id: 201, type: 'Change', field_name: '4001', value: 'cg_approved', previous_value: 'cg_pending_approval' },
          {
            id: 202,
            type: 'Change',
            field_name: 'tags',
            value: ['cg_approved'],
            previous_value: ['cg_pending_approval'],
          },
          { id: 203, type: 'Notification', body: 'x' },
        ],
      },
      {
        id: 10,
        author_id: 1101,
        created_at: '2026-11-25T10:00:00Z',
        events: [
          { id: 101, type: 'Create', field_name: 'status', value: 'new' },
          { id: 102, type: 'Comment', body: 'Target systems: db' },
        ],
      },
      {
        id: 30,
        author_id: 900,
        created_at: '2026-11-25T10:06:00Z',
        events: [{ id: 301, type: 'Change', field_name: '4001', value: 'cg_granted', previous_value: 'cg_approved' }],
      },
      {
        id: 40,
        author_id: 1101,
        created_at: '2026-11-25T10:07:00Z',
        events: [{ id: 401, type: 'Change', field_name: 'status', value: 'solved', previous_value: 'open' }],
      },
    ];

    it("reads approval-field and status changes, oldest first, with option names, actors and credgate's own marked", () => {
      const changes = toStatusChanges(
        audits,
        users,
        '900',
        config,
        new Map([
          ['cg_approved', 'Approved'],
          ['cg_pending_approval', 'Pending approval'],
        ]),
      );
      expect(changes.map((c) => [c.id, c.position, c.to, c.actor.id, c.bySelf])).to.deep.equal([
        ['10:101', 'other', 'new', '1101', false],
        ['20:201', 'approved', 'Approved', '1102', false],
        ['30:301', 'granted', 'cg_granted', '900', true],
        ['40:401', 'closed', 'solved', '1101', false],
      ]);
      expect(changes[1]).to.include({ from: 'Pending approval', at: '2026-11-25T10:05:00Z' });
      expect(changes[1].actor).to.deep.equal({ id: '1102', displayName: 'Alice Approver', email: 'alice@example.com' });
    });

    it('names a user the API did not return by id, and skips audits without an author', () => {
      const changes = toStatusChanges(
        [
          {
            id: 1,
            author_id: 555,
            created_at: '2026-11-25T10:00:00Z',
            events: [{ id: 2, type: 'Change', field_name: '4001', value: 'cg_declined' }],
          },
          { id: 3, created_at: '2026-11-25T10:00:00Z', events: [] },
        ],
        users,
        null,
        config,
      );
      expect(changes).to.have.length(1);
      expect(changes[0].actor.displayName).to.equal('Zendesk user 555');
      expect(changes[0].position).to.equal('declined');
    });
  });

  describe('toSnapshot', () => {
    it('maps the ticket: form name as issue type, group as project, tags as labels, custom fields as facts, comments as replies', () => {
      const ticket: ZendeskTicket = {
        id: 42,
        subject: 'Access to the reporting database',
        description: 'Account: svc_reports',
        status: 'open',
        type: 'task',
        requester_id: 1101,
        ticket_form_id: 3001,
        group_id: 20001,
        tags: ['cg_pending_approval', 'vip'],
        custom_fields: [
          { id: 4001, value: 'cg_pending_approval' },
          { id: 4002, value: 'reporting-db' },
        ],
      };
      const snap = toSnapshot(
        ticket,
        [
          { id: 1, author_id: 1101, body: 'Account: svc_reports', created_at: '2026-11-25T10:00:00Z' },
          { id: 2, author_id: 1101, html_body: '<p>Duration: 2h</p>', created_at: '2026-11-25T10:01:00Z' },
        ],
        { users, formName: 'Credential request', groupName: 'Support', baseUrl: 'https://acme.zendesk.com' },
        config,
      );
      expect(snap).to.deep.include({
        ref: { connector: 'zendesk', id: '42', key: '#42' },
        url: 'https://acme.zendesk.com/agent/tickets/42',
        position: 'pending-approval',
        summary: 'Access to the reporting database',
        description: 'Account: svc_reports',
        project: 'Support',
        issueType: 'Credential request',
        labels: ['cg_pending_approval', 'vip'],
        mappedFacts: { systems: 'reporting-db' },
      });
      expect(snap.reporter).to.deep.equal({ id: '1101', displayName: 'Rita Requester', email: 'rita@example.com' });
      expect(snap.replies.map((r) => r.body)).to.deep.equal(['Account: svc_reports', 'Duration: 2h']);
    });

    it('describes a ticket.created event for `credgate simulate` without any API call', () => {
      const snap = snapshotFromPayload(JSON.parse(prismatic.rawBody), config);
      expect(snap?.ref.id).to.equal('35436');
      expect(snap?.position).to.equal('other');
      expect(
        snapshotFromPayload(
          JSON.parse(readFileSync(join(FIXTURES, 'event-webhook.user.active_changed.docs-example.json'), 'utf8')),
          config,
        ),
      ).to.equal(null);
      expect(snapshotFromPayload({ hello: 1 }, config)).to.equal(null);
    });
  });

  describe('comment text', () => {
    it('flattens HTML and decodes entities, so a marker is found however it was escaped', () => {
      expect(
        htmlToText(
          '<h4>Credential request cg-1</h4>\n<ul><li><strong>Account:</strong> svc&#95;x &#60;b&#62;</li></ul><p>ref cg-1/3</p>',
        ),
      ).to.equal('Credential request cg-1\n\n- Account: svc_x <b>\n\nref cg-1/3');
      expect(commentMentions({ id: 1, html_body: '<p>ref cg&#45;1&#47;3</p>' }, 'cg-1/3')).to.equal(true);
      expect(commentMentions({ id: 1, body: 'ref cg-1/4' }, 'cg-1/3')).to.equal(false);
    });
  });
});
