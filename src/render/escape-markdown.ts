import { WORD_JOINER, defangSchemes, defangWww, normalizeInline } from './inline-text';

// CommonMark lets any ASCII punctuation be backslash-escaped. These are the
// ones that can open something in GitHub-flavoured Markdown: emphasis/strong
// (`* _`), strikethrough (`~`), code (`` ` ``), links/images/footnotes
// (`[ ] !`), autolinks and raw HTML (`< >`), entities (`&` — `&#64;` would
// decode to `@`), headings (`#`), lists (`- + *`), quotes (`>`), tables (`|`),
// setext underlines (`= -`), math (`$`), and the backslash itself.
const ESCAPE = new Set('\\`*_~[]!<>&#-+=|$');

// "1." / "1)" at the value start would be an ordered list if a template puts
// the value at the beginning of a line.
const ORDERED_LIST_START = /^(\d{1,9})([.)])/;
// GitHub's own post-processing links issue references `GH-123` (and `www.`:
// defangWww); backslashes do not stop those, so use U+2060. A trailing "gh" is
// defanged too, against `{{a}}{{b}}` gluing.
const GH_REF = /(?<![\p{L}\p{N}])(gh)(?=-\d|$)/giu;

/**
 * Escape an untrusted plain-text value for inline use in GitHub-flavoured
 * Markdown (issue / PR comments).
 *
 * - Control characters and line breaks collapse to single spaces (see
 *   {@link normalizeInline}); the value is trimmed, so it cannot open a new
 *   block, an indented code block or a hard line break (two trailing spaces).
 * - Markdown punctuation is backslash-escaped (no links, images, HTML tags,
 *   autolinks `<…>`, headings, lists, tables, emphasis, code, math).
 * - Things GitHub links *after* Markdown rendering, where a backslash has
 *   already disappeared, get an invisible U+2060 WORD JOINER instead:
 *   `@user` / team mentions and e-mail addresses (`@` + WJ), issue references
 *   `#12` (`\#` + WJ), `GH-12`, `www.` and `scheme:` bare URLs (WJ before `:`).
 *
 * @param text - untrusted plain text
 * @returns Markdown that renders as `text` (modulo the invisible U+2060s)
 */
export function escapeMarkdown(text: string): string {
  const s = defangWww(defangSchemes(normalizeInline(text))).replace(GH_REF, `$1${WORD_JOINER}`);
  const list = ORDERED_LIST_START.exec(s);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const next = s[i + 1];
    if (list && i === list[1].length) {
      out += '\\' + c; // the `.` or `)` of "1." / "1)"
    } else if (c === '@') {
      // End of value also counts: `{{a}}{{b}}` must not glue into `@user`.
      out += next === undefined || !/\s/.test(next) ? '@' + WORD_JOINER : '@';
    } else if (c === '#') {
      out += next === undefined || !/\s/.test(next) ? '\\#' + WORD_JOINER : '\\#';
    } else if (ESCAPE.has(c)) {
      out += '\\' + c;
    } else {
      out += c;
    }
  }
  return out;
}
