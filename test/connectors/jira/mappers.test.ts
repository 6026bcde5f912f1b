import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseWebhook,
  positionOf,
  toStatusChanges,
  fieldText,
  snapshotFromWebhook,
} from '../../../connectors/jira/mappers';
import { jiraConfigSchema } from '../../../connectors/jira/schema';
import type { JiraHistory } from '../../../connectors/jira/types';

const FIXTURES = join(__dirname, '../../fixtures');
const config = jiraConfigSchema.parse({});
const raw = (dir: string, name: string) => readFileSync(join(FIXTURES, dir, name));

describe('jira mappers on real deliveries', () => {
  for (const dir of ['jira-cloud', 'jira-dc']) {
    for (const name of readdirSync(join(FIXTURES, dir))) {
      it(`${dir}/${name}: names the issue it concerns`, () => {
        const parsed = parseWebhook(raw(dir, name), 'delivery-1', null, config);
        expect(parsed.deliveryId).to.equal('delivery-1');
        expect(parsed.tickets).to.have.length(1);
        expect(parsed.tickets[0].id).to.match(/^\d+$/);
      });
    }
  }

  it('Data Center comment_created has no issue: the id comes from comment.self', () => {
    const parsed = parseWebhook(raw('jira-dc', 'comment_created.json'), undefined, null, config);
    expect(parsed.tickets[0]).to.deep.equal({ connector: 'jira', id: '10013', key: '10013' });
    expect(parsed.deliveryId).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('finds the status item by fieldId, whatever the case of "field" (Status on create)', () => {
    const body = JSON.parse(raw('jira-cloud', 'issue_created.json').toString());
    const history: JiraHistory = {
      id: body.changelog.id,
      author: body.user,
      created: '2026-11-25T10:00:00.000+0000',
      items: body.changelog.items,
    };
    const [change] = toStatusChanges([history], null, config.statuses);
    expect(change).to.include({ id: '10222', to: 'To Do', position: 'other' });
    expect(change.actor.id).to.equal('5c5f880629be9642ba529340');
  });

  it("identifies Data Center users by name, Cloud users by accountId, and marks credgate's own changes", () => {
    const dc = JSON.parse(raw('jira-dc', 'issue_updated-status-inprogress.json').toString());
    const history: JiraHistory = {
      id: '1',
      author: dc.user,
      created: '2026-11-25T10:00:00.000+0000',
      items: dc.changelog.items,
    };
    const [change] = toStatusChanges([history], dc.user.name, config.statuses);
    expect(change.actor.id).to.equal(dc.user.name);
    expect(change.bySelf).to.equal(true);
  });

  it('ignores deliveries caused by its own account and projects it does not serve', () => {
    const own = parseWebhook(
      raw('jira-cloud', 'issue_updated-status-resolved.json'),
      'd',
      '5c5f880629be9642ba529340',
      config,
    );
    expect(own.ignored).to.equal('caused by credgate itself');
    const scoped = parseWebhook(
      raw('jira-cloud', 'issue_created.json'),
      'd',
      null,
      jiraConfigSchema.parse({ projects: ['CRED'] }),
    );
    expect(scoped.ignored).to.equal('project TES is not configured');
  });

  it('maps configured status names to workflow positions, case-insensitively', () => {
    expect(positionOf('approved', config.statuses)).to.equal('approved');
    expect(positionOf('Done', config.statuses)).to.equal('closed');
    expect(positionOf('In Progress', config.statuses)).to.equal('other');
  });

  it('reads any field shape as text: options, users, arrays, ADF', () => {
    expect(fieldText({ value: 'Production' })).to.equal('Production');
    expect(fieldText([{ value: 'a' }, { name: 'b' }])).to.equal('a, b');
    expect(
      fieldText({
        type: 'doc',
        version: 1,
        content: [
          { type: 'paragraph', content: [{ type: 'text', text: 'Account: x' }] },
          { type: 'paragraph', content: [{ type: 'text', text: 'Access: y' }] },
        ],
      }),
    ).to.equal('Account: x\nAccess: y');
  });

  it('rejects bodies that are not Jira webhooks with a clear message', () => {
    expect(() => parseWebhook(Buffer.from('not json'), 'd', null, config)).to.throw('not valid JSON');
    expect(() => parseWebhook(Buffer.from('{"a":1}'), 'd', null, config)).to.throw('"webhookEvent" is missing');
    expect(() => parseWebhook(Buffer.from('{"webhookEvent":"jira:issue_updated"}'), 'd', null, config)).to.throw(
      'names no issue',
    );
    expect(parseWebhook(Buffer.from('{"webhookEvent":"board_created"}'), 'd', null, config).ignored).to.equal(
      'event board_created is not handled',
    );
  });

  it('builds a snapshot from a payload for simulate', () => {
    const snap = snapshotFromWebhook(JSON.parse(raw('jira-cloud', 'issue_created.json').toString()), config);
    expect(snap?.ref.key).to.equal('TES-41');
    expect(snap?.reporter?.id).to.equal('5c5f880629be9642ba529340');
  });
});
