import { expect } from 'chai';
import fc from 'fast-check';
import { escapeJiraWiki } from '../../src/render/escape-jira-wiki';
import { type AdfDoc, wikiToAdf } from '../../src/render/wiki-to-adf';
import { WJ, normalized, untrusted, visible } from './helpers';

const t = (text: string, ...marks: Array<'strong' | 'em' | 'code'>) =>
  marks.length ? { type: 'text', text, marks: marks.map((type) => ({ type })) } : { type: 'text', text };
const p = (...content: object[]) => ({ type: 'paragraph', content });
const doc = (...content: object[]): AdfDoc => ({ type: 'doc', version: 1, content }) as AdfDoc;

describe('wikiToAdf', () => {
  it('groups lines into paragraphs joined by hardBreak', () => {
    expect(wikiToAdf('one\ntwo\n\n\nthree\r\n')).to.deep.equal(
      doc(p(t('one'), { type: 'hardBreak' }, t('two')), p(t('three'))),
    );
  });

  it('parses h3./h4. headings and ends a paragraph at a heading', () => {
    expect(wikiToAdf('intro\nh3. Title *x*\nh4.Sub\nh4. Sub')).to.deep.equal(
      doc(
        p(t('intro')),
        { type: 'heading', attrs: { level: 3 }, content: [t('Title '), t('x', 'strong')] },
        p(t('h4.Sub')),
        { type: 'heading', attrs: { level: 4 }, content: [t('Sub')] },
      ),
    );
  });

  it('collects consecutive "* " lines into one bulletList', () => {
    const item = (...c: object[]) => ({ type: 'listItem', content: [p(...c)] });
    expect(wikiToAdf('* a\n* *b*\ntext\n* c')).to.deep.equal(
      doc({ type: 'bulletList', content: [item(t('a')), item(t('b', 'strong'))] }, p(t('text')), {
        type: 'bulletList',
        content: [item(t('c'))],
      }),
    );
  });

  it('parses strong, em, code marks and nesting', () => {
    expect(wikiToAdf('*Bold* and _it *both*_ and {{a*b*}} x')).to.deep.equal(
      doc(
        p(
          t('Bold', 'strong'),
          t(' and '),
          t('it ', 'em'),
          t('both', 'em', 'strong'),
          t(' and '),
          t('a*b*', 'code'),
          t(' x'),
        ),
      ),
    );
  });

  it('does not treat intra-word or space-padded markers as marks', () => {
    expect(wikiToAdf('a*b*c 2 * 3 * 4 snake_case_name * x* {{}}')).to.deep.equal(
      doc(p(t('a*b*c 2 * 3 * 4 snake_case_name * x* {{}}'))),
    );
  });

  it('handles backslash escapes like Jira', () => {
    expect(wikiToAdf('\\*not bold\\* \\{{x}} C:\\Temp a\\\\b')).to.deep.equal(
      doc(p(t('*not bold* {{x}} C:\\Temp a'), { type: 'hardBreak' }, t('b'))),
    );
  });

  it('renders escaped values inside template markup literally', () => {
    const v = escapeJiraWiki('*x* _y_');
    expect(wikiToAdf(`* *Owner:* ${v}`).content[0]).to.deep.equal({
      type: 'bulletList',
      content: [{ type: 'listItem', content: [p(t('Owner:', 'strong'), t(' *x* _y_'))] }],
    });
  });

  it('round-trips escapeJiraWiki output to one unmarked paragraph of the literal text (property)', () => {
    fc.assert(
      fc.property(untrusted, (s) => {
        const adf = wikiToAdf(escapeJiraWiki(s));
        const want = visible(s);
        if (normalized(s) === '') {
          expect(adf.content).to.deep.equal([]);
          return;
        }
        expect(adf.content).to.have.length(1);
        const [para] = adf.content;
        expect(para.type).to.equal('paragraph');
        const nodes = para.type === 'paragraph' ? para.content : [];
        for (const n of nodes) {
          expect(n.type).to.equal('text');
          expect(n).to.not.have.property('marks');
        }
        const text = nodes.map((n) => (n.type === 'text' ? n.text : '')).join('');
        // Only the invisible defanging WORD JOINERs may differ.
        expect(text.split(WJ).join('')).to.equal(want);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('wikiToAdf: the audit footer', () => {
  it('turns a ---- line into a rule and the italic footer into em text', () => {
    const doc = wikiToAdf('h4. Title\n----\n_credgate · request cg\\-1_');
    expect(doc.content.map((b) => b.type)).to.deep.equal(['heading', 'rule', 'paragraph']);
    expect(doc.content[2]).to.deep.equal({
      type: 'paragraph',
      content: [{ type: 'text', text: 'credgate · request cg-1', marks: [{ type: 'em' }] }],
    });
  });
});
