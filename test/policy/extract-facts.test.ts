import { expect } from 'chai';
import { aliasIndex, parseFactLines, missingFacts, extractFacts } from '../../src/policy/extract-facts';
import { snapshot, requester, outsider } from '../helpers/tickets';
import { compilePolicy } from '../../src/policy/policy';
import { quickPolicy } from '../helpers/policy';

const index = aliasIndex({});

describe('fact extraction', () => {
  it('reads "Label: value" lines in the shapes people paste', () => {
    const text = [
      '*Account:* svc_a',
      '* Access: read',
      '|Justification: *urgent* fix|',
      '*Duration*: 2h',
      '# Target system: db1',
      'Vendor = Acme',
      'Nonsense line',
      'Client:',
    ].join('\n');
    expect(parseFactLines(text, index)).to.deep.equal({
      account: 'svc_a',
      access: 'read',
      justification: '*urgent* fix',
      duration: '2h',
      systems: 'db1',
      company: 'Acme',
    });
  });

  it("lets the requester's replies correct the description, and mapped fields win", () => {
    const facts = extractFacts(
      snapshot({
        description: 'Account: a\nDuration: 1h',
        replies: [
          { author: requester, body: 'Duration: 2h', at: '' },
          { author: outsider, body: 'Duration: 9d', at: '' },
        ],
        mappedFacts: { account: 'from-field' },
      }),
      {},
    );
    expect(facts.duration).to.equal('2h');
    expect(facts.account).to.equal('from-field');
  });

  it('splits systems into a list and treats placeholders as missing', () => {
    const facts = extractFacts(
      snapshot({ description: 'Systems: db1, db2; db3\nAccess: N/A\nJustification: _No response_' }),
      {},
    );
    expect(facts.systems).to.deep.equal(['db1', 'db2', 'db3']);
    expect(missingFacts(facts, ['systems', 'access', 'justification', 'client'])).to.deep.equal([
      'access',
      'justification',
      'client',
    ]);
  });

  it('uses the labels a policy names', () => {
    const custom = aliasIndex({ systems: { label: 'Hosts', aliases: ['Servers'] } });
    expect(parseFactLines('Servers: web1', custom)).to.deep.equal({ systems: 'web1' });
    expect(parseFactLines('Target systems: web1', custom)).to.deep.equal({});
  });
});

describe('policy file: facts section', () => {
  it('may label only some facts', () => {
    const doc = { ...quickPolicy().document, facts: { systems: { label: 'Hosts', aliases: [] } } };
    expect(compilePolicy(doc).factLabels.systems?.label).to.equal('Hosts');
    expect(compilePolicy(JSON.parse(JSON.stringify(quickPolicy().document))).document.version).to.equal(1);
  });
});

describe('fact lines separated by Unicode line separators', () => {
  it('reads each line', () => {
    expect(parseFactLines('Account: a\u2028Access: read\u2029Duration: 1h', aliasIndex({}))).to.deep.equal({
      account: 'a',
      access: 'read',
      duration: '1h',
    });
  });
});
