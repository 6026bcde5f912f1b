import { expect } from 'chai';
import { CredgateError } from '../../../src/util/errors';
import {
  htmlToText,
  inScope,
  parseWebhook,
  positionOfId,
  positionOfName,
  snapshotFromTicket,
  statusFor,
  statusSetBy,
  ticketKey,
  toSnapshot,
  toStatusChanges,
} from '../../../connectors/freshservice/mappers';
import { freshserviceBaseUrl, freshserviceConfigSchema } from '../../../connectors/freshservice/schema';
import type { FsActivity, FsTicket } from '../../../connectors/freshservice/types';

/*
 * No real Freshservice payloads are in test/fixtures: the Workflow Automator's webhook body is
 * whatever the operator writes (the readme gives credgate's), and no API answers are published with
 * provenance. The shapes below follow https://api.freshservice.com/ and the examples quoted by the
 * FreshservicePS module's help (Get-FreshServiceTicket: activities, description vs description_text).
 */
const config = freshserviceConfigSchema.parse({ domain: 'acme', apiKey: 'k', agentId: 21000418001 });
const body = (o: object) => Buffer.from(JSON.stringify(o));

const TICKET: FsTicket = {
  id: 212,
  subject: 'Access to the reporting database',
  description:
    '<div>Target systems: reporting-db</div><div>Account: svc_reports<br/>Access: read-only &amp; reports</div>',
  description_text: 'Target systems: reporting-db Account: svc_reports Access: read-only & reports',
  status: 7,
  requester_id: 21000418006,
  requester: { id: 21000418006, name: 'Andrea', email: 'andrea@example.com' },
  type: 'Service Request',
  category: 'Credential request',
  tags: ['vendor'],
  custom_fields: { cf_duration: '4h', cf_systems: ['crm-prod', 'crm-test'] },
};

describe('freshservice mappers', () => {
  describe("parseWebhook (the workflow's webhook content)", () => {
    it('reads {{ticket.id_numeric}} as a number or a string, and {{ticket.id}} as "#SR-12"', () => {
      expect(parseWebhook(body({ ticket_id: 212, event: 'updated' }), 0).tickets).to.deep.equal([
        { connector: 'freshservice', id: '212', key: '#212' },
      ]);
      expect(parseWebhook(body({ ticket_id: '212' }), 0).tickets[0].id).to.equal('212');
      expect(parseWebhook(body({ ticket_id: '#SR-212' }), 0).tickets[0].id).to.equal('212');
      expect(parseWebhook(body({ ticket_id: 'INC-7' }), 0).tickets[0].id).to.equal('7');
    });

    it('gives each arrival its own delivery id: two updates may send identical bodies', () => {
      const a = parseWebhook(body({ ticket_id: 212 }), 1_000);
      const b = parseWebhook(body({ ticket_id: 212 }), 2_000);
      expect(a.deliveryId).to.not.equal(b.deliveryId);
      expect(a.deliveryId).to.match(/^212:1000:[0-9a-f]{16}$/);
    });

    it('refuses an unrendered placeholder and bodies it cannot read, with bad-input', () => {
      expect(() => parseWebhook(body({ ticket_id: '{{ticket.id_numeric}}' }), 0)).to.throw(
        CredgateError,
        /unrendered placeholder/,
      );
      for (const raw of ['nope', '[]', '{}', '{"ticket_id":{"toString":1}}', '{"ticket_id":"12a"}']) {
        expect(() => parseWebhook(Buffer.from(raw), 0), raw)
          .to.throw(CredgateError)
          .with.property('kind', 'bad-input');
      }
    });
  });

  it('keeps the lines of HTML as lines (description_text joins them) and decodes entities', () => {
    expect(htmlToText(TICKET.description as string)).to.equal(
      'Target systems: reporting-db\nAccount: svc_reports\nAccess: read-only & reports',
    );
    expect(htmlToText('<p>a&#60;b &#x3e; c&nbsp;d</p><ul><li>x</li><li>y</li></ul>')).to.equal('a<b > c d\nx\ny');
    expect(htmlToText('<script>alert(1)</script>ok')).to.equal('alert(1)ok');
  });

  it('maps status ids and names to positions and back', () => {
    expect(positionOfId(8, config.statuses)).to.equal('approved');
    expect(positionOfId(5, config.statuses)).to.equal('closed');
    expect(positionOfId(2, config.statuses)).to.equal('other');
    expect(positionOfName('approved', config.statuses)).to.equal('approved');
    expect(statusFor('granted', config.statuses)).to.deep.equal({ id: 10, name: 'Access granted' });
    expect(statusFor('closed', config.statuses)).to.equal(null);
  });

  it('reads a ticket: HTML description as lines, requester, custom fields, notes', () => {
    const withFields = freshserviceConfigSchema.parse({
      domain: 'acme.freshservice.com',
      fields: { duration: 'cf_duration', systems: 'cf_systems', company: 'category' },
    });
    const snap = toSnapshot(
      TICKET,
      [{ id: 1, user_id: 21000418006, body: '<div>Justification: audit</div>', created_at: '2026-01-05T10:00:00Z' }],
      withFields,
    );
    expect(snap.ref).to.deep.equal({ connector: 'freshservice', id: '212', key: 'SR-212' });
    expect(snap).to.include({
      status: 'Pending approval',
      position: 'pending-approval',
      issueType: 'Credential request',
      project: 'Service Request',
      url: 'https://acme.freshservice.com/a/tickets/212',
    });
    expect(snap.description).to.include('Account: svc_reports\nAccess: read-only & reports');
    expect(snap.reporter).to.deep.equal({ id: '21000418006', displayName: 'Andrea', email: 'andrea@example.com' });
    expect(snap.mappedFacts).to.deep.equal({
      duration: '4h',
      systems: 'crm-prod, crm-test',
      company: 'Credential request',
    });
    expect(snap.replies).to.deep.equal([
      {
        id: '1',
        author: { id: '21000418006', displayName: 'Andrea' },
        body: 'Justification: audit',
        at: '2026-01-05T10:00:00Z',
      },
    ]);
    expect(snap.labels).to.deep.equal(['vendor']);
  });

  it('scopes by type and category', () => {
    expect(
      inScope(
        TICKET,
        freshserviceConfigSchema.parse({ types: ['service request'], categories: ['Credential request'] }),
      ),
    ).to.equal(true);
    expect(inScope(TICKET, freshserviceConfigSchema.parse({ types: ['Incident'] }))).to.equal(false);
    expect(
      inScope({ ...TICKET, category: null }, freshserviceConfigSchema.parse({ categories: ['Credential request'] })),
    ).to.equal(false);
  });

  describe('status changes from activities', () => {
    // Newest first, as Freshservice lists them (FreshservicePS's example: "added item" after "created ticket").
    const ACTIVITIES: FsActivity[] = [
      {
        actor: { id: 21000418003, name: 'Alice' },
        content: ' set Status as Approved',
        sub_contents: [],
        created_at: '2026-01-05T10:02:00Z',
      },
      {
        actor: { id: 21000418003, name: 'Alice' },
        content: ' added a private note',
        sub_contents: [],
        created_at: '2026-01-05T10:01:30Z',
      },
      {
        actor: { id: 21000418001, name: 'credgate' },
        content: ' set Status as Pending approval',
        sub_contents: [],
        created_at: '2026-01-05T10:01:00Z',
      },
      {
        actor: { id: 21000418006, name: 'Andrea' },
        content: ' created ticket for Andrea,  set Status as Open, set Urgency as Low, set Priority as Medium',
        sub_contents: [],
        created_at: '2026-01-05T10:00:00Z',
      },
    ];

    it("reads who set which status, oldest first, with stable ids and credgate's own marked", () => {
      const changes = toStatusChanges(ACTIVITIES, '21000418001', config.statuses);
      expect(changes.map((c) => [c.to, c.position, c.bySelf])).to.deep.equal([
        ['Open', 'other', false],
        ['Pending approval', 'pending-approval', true],
        ['Approved', 'approved', false],
      ]);
      expect(changes[2]).to.deep.include({
        from: 'Pending approval',
        at: '2026-01-05T10:02:00Z',
        actor: { id: '21000418003', displayName: 'Alice' },
      });
      expect(toStatusChanges([...ACTIVITIES], '21000418001', config.statuses).map((c) => c.id)).to.deep.equal(
        changes.map((c) => c.id),
      );
    });

    it('tells apart identical entries in one second (approve, reverted, approve again)', () => {
      const same = {
        actor: { id: 5, name: 'Bob' },
        content: ' set Status as Approved',
        sub_contents: [],
        created_at: '2026-01-05T10:02:00Z',
      };
      const ids = toStatusChanges([same, { ...same }], null, config.statuses).map((c) => c.id);
      expect(new Set(ids).size).to.equal(2);
    });

    it('finds configured names containing commas or spaces, in content or sub_contents', () => {
      const statuses = freshserviceConfigSchema.parse({
        statuses: { approved: { id: 8, name: 'Approved, proceed' } },
      }).statuses;
      expect(
        statusSetBy({ content: ' set Status as Approved, proceed, set Priority as High', created_at: '' }, statuses),
      ).to.equal('Approved, proceed');
      expect(
        statusSetBy({ content: ' updated ticket', sub_contents: ['set Status as Declined'], created_at: '' }, statuses),
      ).to.equal('Declined');
      expect(statusSetBy({ content: ' added a private note', created_at: '' }, statuses)).to.equal(null);
    });
  });

  it('builds a snapshot for `credgate simulate` from a ticket answer, not from the webhook body', () => {
    expect(snapshotFromTicket({ ticket: TICKET }, config)?.ref.key).to.equal('SR-212');
    expect(snapshotFromTicket({ ticket_id: 212 }, config)).to.equal(null);
  });

  it("derives the base URL, keys tickets as agents read them, and requires credgate's agent with an API key", () => {
    expect(freshserviceBaseUrl({ domain: 'acme' })).to.equal('https://acme.freshservice.com');
    expect(freshserviceBaseUrl({ baseUrl: 'https://help.acme.io/', domain: 'x' })).to.equal('https://help.acme.io');
    expect(ticketKey({ id: 3, type: 'Incident' })).to.equal('INC-3');
    expect(freshserviceConfigSchema.safeParse({ apiKey: 'k' }).success).to.equal(false);
    expect(freshserviceConfigSchema.parse({ apiKey: 'k', agentId: 42 }).agentId).to.equal('42');
  });
});
