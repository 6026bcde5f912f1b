import { expect } from 'chai';
import { CredgateError } from '../../../src/util/errors';
import {
  inScope,
  isoTime,
  parseWebhook,
  positionOf,
  snapshotFromRecord,
  stateValueFor,
  toSnapshot,
  toStatusChanges,
} from '../../../connectors/servicenow/mappers';
import { servicenowConfigSchema } from '../../../connectors/servicenow/schema';
import type { SnAudit, SnRecord } from '../../../connectors/servicenow/types';

/*
 * No real ServiceNow deliveries are in test/fixtures: ServiceNow sends nothing by itself (the
 * Business Rule in the readme composes the body), and no Table API payloads are published with
 * provenance. The records below follow the shapes of the Table API reference
 * (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html).
 */
const config = servicenowConfigSchema.parse({
  instanceUrl: 'https://acme.service-now.com',
  username: 'credgate',
  password: 'p',
});
const SYS_ID = 'a9e30c7dc61122760116894de7bcc7bd';
const body = (o: object) => Buffer.from(JSON.stringify(o));

/** GET /api/now/table/incident/{sys_id}?sysparm_display_value=all&sysparm_exclude_reference_link=true */
const RECORD: SnRecord = {
  sys_id: { display_value: SYS_ID, value: SYS_ID },
  number: { display_value: 'INC0000046', value: 'INC0000046' },
  short_description: { display_value: 'Access to the reporting database', value: 'Access to the reporting database' },
  description: {
    display_value: 'Target systems: reporting-db\nAccount: svc_reports',
    value: 'Target systems: reporting-db\nAccount: svc_reports',
  },
  state: { display_value: 'Pending approval', value: '102' },
  category: { display_value: 'Credential request', value: 'credential_request' },
  assignment_group: { display_value: 'Service Desk', value: '8a4dde73c6112278017a6a4baf547aa7' },
  caller_id: { display_value: 'Rita Requester', value: '46c6f9efa9fe198101ddf5eed9adf6e7' },
  'caller_id.user_name': { display_value: 'rita.requester', value: 'rita.requester' },
  'caller_id.email': { display_value: 'rita@example.com', value: 'rita@example.com' },
  u_target_systems: { display_value: 'crm-prod', value: 'crm-prod' },
};

describe('servicenow mappers', () => {
  describe('parseWebhook (the Business Rule body)', () => {
    const hook = {
      sys_id: SYS_ID,
      number: 'INC0000046',
      table: 'incident',
      event: 'update',
      updated_by: 'alice.approver',
      sys_mod_count: '4',
    };

    it('names the record by sys_id and keys the delivery by the update count', () => {
      const parsed = parseWebhook(body(hook), 'credgate', config);
      expect(parsed.tickets).to.deep.equal([{ connector: 'servicenow', id: SYS_ID, key: 'INC0000046' }]);
      expect(parsed.deliveryId).to.equal(`incident:${SYS_ID}:4`);
      expect(parseWebhook(body({ ...hook, sys_mod_count: '5' }), 'credgate', config).deliveryId).to.not.equal(
        parsed.deliveryId,
      );
    });

    it('falls back to a digest of the body without an update count', () => {
      const { sys_mod_count: _n, ...rest } = hook;
      expect(parseWebhook(body(rest), 'credgate', config).deliveryId).to.match(/^sha256:[0-9a-f]{64}$/);
    });

    it("ignores credgate's own updates and other tables", () => {
      expect(parseWebhook(body({ ...hook, updated_by: 'credgate' }), 'credgate', config).ignored).to.equal(
        'caused by credgate itself',
      );
      const other = parseWebhook(body({ ...hook, table: 'change_request' }), 'credgate', config);
      expect(other.tickets).to.deep.equal([]);
      expect(other.ignored).to.match(/change_request is not the configured table incident/);
    });

    it('refuses bodies it cannot read with bad-input, never a crash', () => {
      for (const raw of [
        'not json',
        '[]',
        '{}',
        JSON.stringify({ sys_id: 'INC1' }),
        JSON.stringify({ sys_id: { toString: 1 } }),
      ]) {
        expect(() => parseWebhook(Buffer.from(raw), 'credgate', config), raw)
          .to.throw(CredgateError)
          .with.property('kind', 'bad-input');
      }
    });
  });

  it('maps configured state values to positions and back', () => {
    expect(positionOf('103', config.states)).to.equal('approved');
    expect(positionOf('7', config.states)).to.equal('closed');
    expect(positionOf('2', config.states)).to.equal('other');
    expect(stateValueFor('granted', config.states)).to.equal('105');
    expect(stateValueFor('closed', config.states)).to.equal(null);
  });

  it('reads a display_value=all record: labels, the requester by user_name, mapped fields, work notes', () => {
    const withFields = servicenowConfigSchema.parse({
      instanceUrl: 'https://acme.service-now.com',
      fields: { systems: 'u_target_systems' },
    });
    const snap = toSnapshot(
      RECORD,
      [
        {
          sys_id: 'j1',
          element: 'comments',
          value: 'Duration: 2h',
          sys_created_by: 'rita.requester',
          sys_created_on: '2026-01-05 10:00:00',
        },
      ],
      withFields,
    );
    expect(snap.ref).to.deep.equal({ connector: 'servicenow', id: SYS_ID, key: 'INC0000046' });
    expect(snap).to.include({
      status: 'Pending approval',
      position: 'pending-approval',
      issueType: 'Credential request',
      project: 'Service Desk',
    });
    expect(snap.url).to.equal(`https://acme.service-now.com/incident.do?sys_id=${SYS_ID}`);
    expect(snap.reporter).to.deep.equal({
      id: 'rita.requester',
      displayName: 'Rita Requester',
      email: 'rita@example.com',
    });
    expect(snap.mappedFacts).to.deep.equal({ systems: 'crm-prod' });
    expect(snap.replies).to.deep.equal([
      {
        id: 'j1',
        author: { id: 'rita.requester', displayName: 'rita.requester' },
        body: 'Duration: 2h',
        at: '2026-01-05T10:00:00Z',
      },
    ]);
  });

  it('reads plain (display_value=false) values too', () => {
    const plain: SnRecord = {
      sys_id: SYS_ID,
      number: 'INC0000046',
      short_description: 'x',
      state: '103',
      category: 'credential_request',
      'caller_id.user_name': 'rita.requester',
    };
    const snap = toSnapshot(plain, [], config);
    expect(snap.position).to.equal('approved');
    expect(snap.reporter?.id).to.equal('rita.requester');
  });

  it('scopes by category (value or label) and assignment group', () => {
    expect(inScope(RECORD, servicenowConfigSchema.parse({ categories: ['credential_request'] }))).to.equal(true);
    expect(inScope(RECORD, servicenowConfigSchema.parse({ categories: ['credential request'] }))).to.equal(true);
    expect(inScope(RECORD, servicenowConfigSchema.parse({ categories: ['hardware'] }))).to.equal(false);
    expect(inScope(RECORD, servicenowConfigSchema.parse({ assignmentGroups: ['service desk'] }))).to.equal(true);
    expect(inScope(RECORD, servicenowConfigSchema.parse({ assignmentGroups: ['Network'] }))).to.equal(false);
  });

  it("turns sys_audit rows into status changes, oldest first, with labels, names and credgate's own marked", () => {
    const audits: SnAudit[] = [
      {
        sys_id: 'a3',
        user: 'alice.approver',
        oldvalue: '102',
        newvalue: '103',
        sys_created_on: '2026-01-05 10:00:05',
        record_checkpoint: '3',
      },
      {
        sys_id: 'a2',
        user: 'credgate',
        oldvalue: '1',
        newvalue: '102',
        sys_created_on: '2026-01-05 10:00:05',
        record_checkpoint: '2',
      },
      {
        sys_id: 'a1',
        user: 'rita.requester',
        oldvalue: '',
        newvalue: '1',
        sys_created_on: '2026-01-05 10:00:00',
        record_checkpoint: '0',
      },
    ];
    const labels = new Map([
      ['1', 'New'],
      ['102', 'Pending approval'],
      ['103', 'Approved'],
    ]);
    const people = new Map([
      ['alice.approver', { id: 'alice.approver', displayName: 'Alice Approver', email: 'alice@example.com' }],
    ]);
    const changes = toStatusChanges(audits, 'credgate', config.states, labels, people);
    expect(changes.map((c) => c.id)).to.deep.equal(['a1', 'a2', 'a3']);
    expect(changes[1]).to.include({ bySelf: true, to: 'Pending approval', position: 'pending-approval' });
    expect(changes[2]).to.deep.include({
      from: 'Pending approval',
      to: 'Approved',
      position: 'approved',
      at: '2026-01-05T10:00:05Z',
      bySelf: false,
    });
    expect(changes[2].actor).to.deep.equal({
      id: 'alice.approver',
      displayName: 'Alice Approver',
      email: 'alice@example.com',
    });
    expect(changes[0].actor).to.deep.equal({ id: 'rita.requester', displayName: 'rita.requester' });
  });

  it('converts ServiceNow time to ISO', () => {
    expect(isoTime('2016-01-19 04:52:04')).to.equal('2016-01-19T04:52:04Z');
  });

  it('builds a snapshot for `credgate simulate` from a Table API answer, not from the Business Rule body', () => {
    expect(snapshotFromRecord({ result: RECORD }, config)?.summary).to.equal('Access to the reporting database');
    expect(
      snapshotFromRecord({ sys_id: SYS_ID, number: 'INC1', table: 'incident', sys_mod_count: '1' }, config),
    ).to.equal(null);
    expect(snapshotFromRecord(null, config)).to.equal(null);
  });

  it("needs the user_name with a token, to recognise credgate's own changes", () => {
    expect(servicenowConfigSchema.safeParse({ token: 'tok' }).success).to.equal(false);
    expect(servicenowConfigSchema.safeParse({ token: 'tok', username: 'credgate' }).success).to.equal(true);
  });
});
