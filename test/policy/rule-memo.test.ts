import { join } from 'node:path';
import { expect } from 'chai';
import { loadPolicy } from '../../src/policy/policy';
import { evaluateTicket } from '../../src/engine/evaluate-ticket';
import type { TicketSnapshot } from '../../src/domain/ticket';

const snapshot = (over: Partial<TicketSnapshot> = {}): TicketSnapshot => ({
  ref: { connector: 'jira', id: '10001', key: 'CRED-1' },
  status: 'Open',
  position: 'other',
  summary: 'Access to the reporting database',
  description: [
    'Target systems: reporting-db',
    'Account: svc_reports',
    'Access: read-only',
    'Justification: monthly report run',
    'Duration: 2h',
  ].join('\n'),
  project: 'CRED',
  issueType: 'Credential request',
  labels: [],
  reporter: { id: 'acc-requester', displayName: 'Requester' },
  mappedFacts: {},
  replies: [],
  ...over,
});

// The rule engines run once per distinct input; these say the answers still follow every edit.
describe('policy: rules evaluated once per change of what they read', () => {
  const policy = loadPolicy(join(__dirname, '../../config/policy.yaml'));

  it('answers a re-read of an unchanged ticket as the first read did', async () => {
    const first = await evaluateTicket(snapshot(), policy);
    const again = await evaluateTicket(snapshot(), policy);
    expect(again).to.deep.equal(first);
    expect(first).to.include({ risk: 'low' });
    expect(first?.category.id).to.equal('shared-account');
  });

  it('a label added in triage, then removed, changes category and risk each time', async () => {
    await evaluateTicket(snapshot(), policy);
    const labelled = await evaluateTicket(snapshot({ labels: ['no-mfa'] }), policy);
    expect(labelled?.category.id).to.equal('no-mfa-system');
    expect(labelled?.risk).to.equal('high');
    expect(labelled?.riskRules.map((r) => r.id)).to.deep.equal(['no-mfa']);
    const back = await evaluateTicket(snapshot(), policy);
    expect(back?.category.id).to.equal('shared-account');
    expect(back?.risk).to.equal('low');
  });

  it('a fact edited in a reply changes the risk; a caller changing its copy changes no later answer', async () => {
    const before = await evaluateTicket(snapshot(), policy);
    before?.riskRules.push({ id: 'tampered', description: 'x' });
    const prod = await evaluateTicket(
      snapshot({
        replies: [{ author: { id: 'acc-requester', displayName: 'R' }, body: 'Target systems: prod-db01', at: '' }],
      }),
      policy,
    );
    expect(prod?.risk).to.equal('high');
    expect(prod?.riskRules.map((r) => r.id)).to.deep.equal(['production-system']);
    expect((await evaluateTicket(snapshot(), policy))?.riskRules).to.deep.equal([]);
  });
});
