import { expect } from 'chai';
import fc from 'fast-check';
import { escapeHtml } from '../../src/render/escape-html';
import { escapeMarkdown } from '../../src/render/escape-markdown';
import { WJ, markdownProblems, untrusted, visible } from './helpers';

// [name, input, exact expected Markdown]. `⁀` stands for U+2060.
const MD_CASES: Array<[string, string, string]> = [
  [
    'plain text stays readable',
    `Access, please: it's "urgent" (today) 1/2.`,
    `Access, please: it's "urgent" (today) 1/2.`,
  ],
  ['user mention', 'ping @octocat', 'ping @⁀octocat'],
  ['team mention', '@org/team', '@⁀org/team'],
  ['mention split across values', 'x@', 'x@⁀'],
  ['email autolink', 'a@b.co', 'a@⁀b.co'],
  ['inline link', '[x](http://e.vil)', '\\[x\\](http⁀://e.vil)'],
  ['image', '![x](y.png)', '\\!\\[x\\](y.png)'],
  ['autolink', '<https://e.vil>', '\\<https⁀://e.vil\\>'],
  ['bare URL', 'https://e.vil/a', 'https⁀://e.vil/a'],
  ['www autolink', 'WWW.e.vil', 'WWW⁀.e.vil'],
  ['www split across values', 'go www', 'go www⁀'],
  ['html tag', '<img src=x onerror=alert(1)>', '\\<img src\\=x onerror\\=alert(1)\\>'],
  ['entity', '&#64;user &lt;', '\\&\\#⁀64;user \\&lt;'],
  ['heading after newline', 'ok\n# Pwned', 'ok \\# Pwned'],
  ['heading at start', '## x', '\\#⁀\\# x'],
  ['issue reference', 'fixes #12 and GH-3', 'fixes \\#⁀12 and GH⁀\\-3'],
  ['lists', '- a + b * c', '\\- a \\+ b \\* c'],
  ['ordered list at start', '1. first', '1\\. first'],
  ['ordered list with paren', '2) x', '2\\) x'],
  ['quote / table', '> q | a |', '\\> q \\| a \\|'],
  ['emphasis / code / strike / math', '*a* _b_ `c` ~~d~~ $e$', '\\*a\\* \\_b\\_ \\`c\\` \\~\\~d\\~\\~ \\$e\\$'],
  ['setext underline', 'x\n===', 'x \\=\\=\\='],
  ['backslash', 'a\\', 'a\\\\'],
  ['control chars', 'a\r\n\u0000b\u2029c', 'a b c'],
  ['unicode untouched', 'Zoë 東京 😀', 'Zoë 東京 😀'],
];

describe('escapeMarkdown', () => {
  for (const [name, input, want] of MD_CASES) {
    it(name, () => {
      const got = escapeMarkdown(input);
      expect(got).to.equal(want.replace(/⁀/g, WJ));
      expect(markdownProblems(got)).to.deep.equal([]);
      expect(got.split(WJ).join('').replace(/\\(.)/g, '$1')).to.equal(visible(input));
    });
  }

  it('never emits an unescaped construct (property)', () => {
    fc.assert(
      fc.property(untrusted, (s) => {
        const out = escapeMarkdown(s);
        expect(markdownProblems(out), JSON.stringify(out)).to.deep.equal([]);
        expect(markdownProblems(out.toUpperCase()), 'upper helper').to.deep.equal([]);
        expect(out.split(WJ).join('').replace(/\\(.)/g, '$1')).to.equal(visible(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('escapeHtml', () => {
  const cases: Array<[string, string]> = [
    ['<script>alert("x")</script>', '&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;'],
    [`a & b 'c' \`d\``, 'a &#38; b &#39;c&#39; &#96;d&#96;'],
    ['&amp;', '&#38;amp;'],
    ['line\r\nbreak\u0000x', 'line break x'],
    ['Zoë 😀', 'Zoë 😀'],
  ];
  for (const [input, want] of cases) {
    it(`escapes ${JSON.stringify(input)}`, () => expect(escapeHtml(input)).to.equal(want));
  }

  it('leaves no raw HTML metacharacter (property)', () => {
    fc.assert(
      fc.property(untrusted, (s) => {
        const out = escapeHtml(s);
        expect(out).to.not.match(/[<>"'`]|&(?!#\d+;)/);
        expect(out.toUpperCase(), 'upper helper keeps entities valid').to.not.match(/[<>"'`]|&(?!#\d+;)/);
      }),
    );
  });
});
