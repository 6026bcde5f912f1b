import { WORD_JOINER, defangSchemes, defangWww, normalizeInline } from './inline-text';

/**
 * Characters Jira's renderer accepts after a backslash (Jira's
 * BackslashEscapeRendererComponent and Atlassian's wiki→ADF transformer use
 * this same list). `\X` for any other X renders the backslash literally.
 */
export const JIRA_ESCAPABLE = '-#*_+?^~|%{}[]()!@';

// Always escaped: each one opens or closes some construct
// (`[` links/mentions, `!` images, `{` macros/monospace, `|` tables,
// `* _ - + ^ ~ ??` text effects, `#`/`*`/`-` lists, `-` dashes and rulers,
// `@` email/mention heuristics). `%` has no known meaning but Jira lists it as
// escapable, so escaping it costs nothing and guards future syntax.
const ALWAYS = new Set('-#*_+?^~|%{}[]!@');

// Jira's parenthesised emoticons (its "Text formatting notation help" list:
// thumbs, info, tick, cross, warning, add, forbidden, help, bulbs, stars,
// flags). Ordinary parentheses stay unescaped for readability.
const EMOTICON_PAREN = /^\((?:[yni/x!+\-?*]|on|off|\*[rgby]|flag|flagoff)\)/i;
// `:P` / `:D` / `;p` emoticons: the letter cannot be escaped, so break the pair.
const EMOTICON_LETTER = /^[PpDd](?![\p{L}\p{N}])/u;
// Block syntax only recognised at the start of a line; a value may be placed
// at a line start by a template, and values contain no newlines, so only the
// value's own start matters. `h` and `b` cannot be backslash-escaped.
const LINE_START_WORD = /^(?:[hH][1-6]|[bB][qQ])\./;

/**
 * Escape an untrusted plain-text value for insertion into Jira wiki markup.
 *
 * The result renders as the literal (normalised) text and cannot create
 * mentions, links, macros, images, tables, headings, lists, quotes, text
 * effects, emoticons, forced line breaks or extra lines.
 *
 * Transformations, in order:
 * 1. {@link normalizeInline}: whitespace/control runs → one space, trimmed.
 * 2. URL defanging: U+2060 WORD JOINER before any `scheme:` colon, and after
 *    a `www` that starts a scheme-less link. A `\:` escape does NOT work (`:`
 *    is not escapable, Jira would show `\:`).
 * 3. `h1.`…`h6.` / `bq.` at the value start get a WORD JOINER after the letter.
 * 4. `-#*_+?^~|%{}[]!@` → `\X`; `(`/`)` only when forming an emoticon.
 * 5. `\` → `\` + WORD JOINER: Jira has no escape for a backslash, and a bare
 *    one could pair with a following `\` (`\\` = forced line break) or escape
 *    the template's own markup after the value.
 *
 * Known limit: adjacent placeholders (`{{a}}{{b}}`) may still combine into a
 * line-start keyword (`h` + `1. x`); templates should separate placeholders.
 *
 * @param text - untrusted plain text
 * @returns wiki markup that renders as `text` (modulo the invisible U+2060s)
 */
export function escapeJiraWiki(text: string): string {
  let s = defangWww(defangSchemes(normalizeInline(text)));
  if (LINE_START_WORD.test(s)) s = s[0] + WORD_JOINER + s.slice(1);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const prev = i > 0 ? s[i - 1] : '';
    if (c === '\\') {
      out += '\\' + WORD_JOINER;
    } else if (ALWAYS.has(c)) {
      out += '\\' + c;
    } else if (c === '(' && (prev === ':' || prev === ';' || EMOTICON_PAREN.test(s.slice(i, i + 9)))) {
      out += '\\(';
    } else if (c === ')' && (prev === ':' || prev === ';')) {
      out += '\\)';
    } else if ((c === ':' || c === ';') && EMOTICON_LETTER.test(s.slice(i + 1, i + 4))) {
      out += c + WORD_JOINER;
    } else {
      out += c;
    }
  }
  return out;
}
