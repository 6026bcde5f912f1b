import { expect } from 'chai';
import fc from 'fast-check';
import { escapeJiraWiki } from '../../src/render/escape-jira-wiki';
import { WJ, jiraProblems, untrusted, visible } from './helpers';

// [name, input, exact expected wiki]. `⁀` in expectations stands for U+2060.
const CASES: Array<[string, string, string]> = [
  [
    'plain text stays readable',
    `Access to prod DB, please: it's "urgent" (today) 1/2.`,
    `Access to prod DB, please: it's "urgent" (today) 1/2.`,
  ],
  ['user mention', '[~admin]', '\\[\\~admin\\]'],
  ['account-id mention', '[~accountid:5b10ac8d82e05b22cc7d4ef5]', '\\[\\~accountid⁀:5b10ac8d82e05b22cc7d4ef5\\]'],
  ['link with text', '[click|http://x.io]', '\\[click\\|http⁀://x.io\\]'],
  ['bare URL', 'see https://evil.example/p?a=1', 'see https⁀://evil.example/p\\?a=1'],
  ['uppercase scheme', 'HTTP://X', 'HTTP⁀://X'],
  ['mailto', 'mailto:a@b.co', 'mailto⁀:a\\@b.co'],
  ['file scheme', 'file:///etc/passwd', 'file⁀:///etc/passwd'],
  ['scheme-less www link', 'see www.evil.example/login now', 'see www⁀.evil.example/login now'],
  ['www split across values', 'www', 'www⁀'],
  ['www inside a word stays', 'awww.example', 'awww.example'],
  ['scheme split across values (a)', 'http:', 'http⁀:'],
  ['scheme split across values (b)', '://evil', '⁀://evil'],
  ['code macro', '{code}rm -rf /{code}', '\\{code\\}rm \\-rf /\\{code\\}'],
  ['noformat macro', '{noformat}x{noformat}', '\\{noformat\\}x\\{noformat\\}'],
  ['colour macro', '{color:red}alert{color}', '\\{color⁀:red\\}alert\\{color\\}'],
  ['panel macro', '{panel:title=x}y{panel}', '\\{panel⁀:title=x\\}y\\{panel\\}'],
  ['image', '!http://x/a.png!', '\\!http⁀://x/a.png\\!'],
  ['attachment image', '!secret.png|thumbnail!', '\\!secret.png\\|thumbnail\\!'],
  ['table', '||h||\n|c|', '\\|\\|h\\|\\| \\|c\\|'],
  ['heading after newline', 'ok\nh1. Pwned', 'ok h1. Pwned'],
  ['heading at value start', 'h2. Title', 'h⁀2. Title'],
  ['quote at value start', 'bq. quoted', 'b⁀q. quoted'],
  ['list markers', '* a # b - c', '\\* a \\# b \\- c'],
  [
    'text effects',
    '*b* _i_ -s- +u+ ^sup^ ~sub~ ??cite?? {{mono}}',
    '\\*b\\* \\_i\\_ \\-s\\- \\+u\\+ \\^sup\\^ \\~sub\\~ \\?\\?cite\\?\\? \\{\\{mono\\}\\}',
  ],
  ['forced line break', 'a \\\\ b', 'a \\⁀\\⁀ b'],
  ['backslash before markup', '\\*x', '\\⁀\\*x'],
  ['windows path', 'C:\\Temp', 'C⁀:\\⁀Temp'],
  ['trailing backslash cannot escape template markup', 'x\\', 'x\\⁀'],
  ['control chars and CRLF', '\ta\r\n\u0000b\u0007\u2028c\u0085 ', 'a b c'],
  ['bidi override', 'abc\u202Egpj.exe', 'abc gpj.exe'],
  [
    'emoticons',
    '(y) (ON) (*r) (flagoff) :) ;) :P :-( (see this) (today) (a)',
    '\\(y) \\(ON) \\(\\*r) \\(flagoff) :\\) ;\\) :⁀P :\\-( (see this) (today) (a)',
  ],
  ['dashes and rulers', 'a -- b --- ----', 'a \\-\\- b \\-\\-\\- \\-\\-\\-\\-'],
  ['unicode untouched', 'Zoë 東京 😀 ü', 'Zoë 東京 😀 ü'],
  ['lone surrogate', 'a\uD800b', 'a\uFFFDb'],
];

describe('escapeJiraWiki', () => {
  for (const [name, input, want] of CASES) {
    it(name, () => {
      const got = escapeJiraWiki(input);
      expect(got).to.equal(want.replace(/⁀/g, WJ));
      expect(jiraProblems(got), 'no unescaped construct').to.deep.equal([]);
      expect(
        got
          .split(WJ)
          .join('')
          .replace(/\\([-#*_+?^~|%{}[\]()!@])/g, '$1'),
      ).to.equal(visible(input));
    });
  }

  it('never emits an unescaped construct (property, also after upper-casing)', () => {
    fc.assert(
      fc.property(untrusted, (s) => {
        const out = escapeJiraWiki(s);
        expect(jiraProblems(out), JSON.stringify(out)).to.deep.equal([]);
        expect(jiraProblems(out.toUpperCase()), 'upper helper').to.deep.equal([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('does not let "ſ" upper-case into a live https scheme', () => {
    expect(escapeJiraWiki('httpſ://x').toUpperCase()).to.equal(`HTTPS${WJ}://X`);
  });
});
