import { JIRA_ESCAPABLE } from './escape-jira-wiki';
import { WIKI_LINK } from './trusted-link';

/** ADF text marks produced by {@link wikiToAdf}. */
export type AdfMark =
  | { type: 'strong' }
  | { type: 'em' }
  | { type: 'code' }
  | { type: 'link'; attrs: { href: string } };
/** ADF text node. `marks` is omitted when empty. */
export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}
/** ADF hard line break. */
export interface AdfHardBreak {
  type: 'hardBreak';
}
/** ADF mention of a user by accountId (added by the Jira connector, never parsed from wiki). */
export interface AdfMention {
  type: 'mention';
  attrs: { id: string; text: string };
}
/** ADF inline content. */
export type AdfInline = AdfText | AdfHardBreak | AdfMention;
/** ADF paragraph. */
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfInline[];
}
/** ADF heading. */
export interface AdfHeading {
  type: 'heading';
  attrs: { level: 1 | 2 | 3 | 4 | 5 | 6 };
  content: AdfInline[];
}
/** ADF list item (always a single paragraph here). */
export interface AdfListItem {
  type: 'listItem';
  content: [AdfParagraph];
}
/** ADF bullet list. */
export interface AdfBulletList {
  type: 'bulletList';
  content: AdfListItem[];
}
/** ADF block content. */
/** Horizontal rule (`----` on a line of its own). */
export interface AdfRule {
  type: 'rule';
}

export type AdfBlock = AdfParagraph | AdfHeading | AdfBulletList | AdfRule;
/** Atlassian Document Format v1 document. */
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfBlock[];
}

type MarkType = Exclude<AdfMark['type'], 'link'>;
const ESCAPABLE = new Set(JIRA_ESCAPABLE);
const HEADING = /^h([1-6])\.(?:\s+|$)/;
const BULLET = /^\*\s+/;
const RULE = /^-{4,}$/;
const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Convert the small Jira wiki subset used by credgate's own templates to ADF:
 * blank-line separated paragraphs (lines inside one are joined by `hardBreak`),
 * `h1.`–`h6.` headings, `----` rules, `* ` bullets (consecutive → one `bulletList`),
 * `*strong*`, `_em_`, `{{code}}`, `\\` (forced line break → `hardBreak`) and
 * backslash escapes `\X` → literal X for Jira's escapable characters; a `\`
 * before anything else stays literal, as in Jira.
 *
 * Everything else is literal text — this is not a general wiki parser, so
 * unsupported markup (links, macros, tables...) shows up verbatim rather than
 * being interpreted. Output of `escapeJiraWiki(s)` converts to exactly one
 * paragraph of unmarked text equal to the normalised `s` (including the
 * invisible U+2060 WORD JOINERs the escaper inserts to defang URLs).
 *
 * @param wiki - trusted template output in the subset above
 */
export function wikiToAdf(wiki: string): AdfDoc {
  const content: AdfBlock[] = [];
  let para: AdfInline[] | null = null;
  let list: AdfBulletList | null = null;
  for (const raw of wiki.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    const heading = HEADING.exec(line);
    const bullet = BULLET.exec(line);
    const rule = RULE.test(line);
    if (line === '' || heading || bullet || rule) para = null;
    if (!bullet) list = null;
    if (rule) {
      content.push({ type: 'rule' });
    } else if (heading) {
      const level = Number(heading[1]) as AdfHeading['attrs']['level'];
      content.push({ type: 'heading', attrs: { level }, content: parseInline(line.slice(heading[0].length)) });
    } else if (bullet) {
      if (!list) content.push((list = { type: 'bulletList', content: [] }));
      list.content.push({
        type: 'listItem',
        content: [{ type: 'paragraph', content: parseInline(line.slice(bullet[0].length)) }],
      });
    } else if (line !== '') {
      if (para) para.push({ type: 'hardBreak' });
      else content.push({ type: 'paragraph', content: (para = []) });
      para.push(...parseInline(line));
    }
  }
  return { type: 'doc', version: 1, content };
}

/** Parse one line of inline markup into merged text / hardBreak nodes. */
function parseInline(src: string, marks: MarkType[] = []): AdfInline[] {
  const out: AdfInline[] = [];
  const text = (t: string, m: MarkType[] = marks) => pushText(out, t, m);
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === '\\') out.push({ type: 'hardBreak' });
      else if (n !== undefined && ESCAPABLE.has(n)) text(n);
      else {
        text('\\');
        i += 1;
        continue;
      }
      i += 2;
    } else if (c === '[' && WIKI_LINK.test(src.slice(i))) {
      // Only credgate's own links take this form: escaped view text never has a bare "[http".
      const href = (WIKI_LINK.exec(src.slice(i)) as RegExpExecArray)[1];
      out.push({ type: 'text', text: href, marks: [{ type: 'link', attrs: { href } }] });
      i += href.length + 2;
    } else if (c === '{' && src[i + 1] === '{' && findClose(src, i + 2, '}}') > i + 2) {
      // ADF forbids combining `code` with other marks (except link), so
      // monospace content carries the code mark only; escapes still apply.
      const end = findClose(src, i + 2, '}}');
      for (const n of parseInline(src.slice(i + 2, end), []))
        if (n.type === 'text') text(n.text, ['code']);
        else out.push(n);
      i = end + 2;
    } else if ((c === '*' || c === '_') && canOpen(src, i) && findEffectClose(src, i) > 0) {
      const end = findEffectClose(src, i);
      const mark: MarkType = c === '*' ? 'strong' : 'em';
      const inner = marks.includes(mark) || marks.includes('code') ? marks : [...marks, mark];
      for (const n of parseInline(src.slice(i + 1, end), inner)) {
        if (n.type === 'text' && !n.marks?.some((m) => m.type === 'link'))
          text(
            n.text,
            (n.marks ?? []).map((m) => m.type as MarkType),
          );
        else out.push(n);
      }
      i = end + 1;
    } else {
      text(c);
      i += 1;
    }
  }
  return out;
}

/** Append text, merging with the previous node when the marks are equal. */
function pushText(out: AdfInline[], t: string, marks: MarkType[]): void {
  const last = out[out.length - 1];
  const key = [...marks].sort().join();
  if (
    last?.type === 'text' &&
    (last.marks ?? [])
      .map((m) => m.type)
      .sort()
      .join() === key
  ) {
    last.text += t;
    return;
  }
  const node: AdfText = { type: 'text', text: t };
  if (marks.length > 0) node.marks = marks.map((type) => ({ type }) as AdfMark);
  out.push(node);
}

/** Index of `close` at or after `from`, skipping backslash escapes; -1 if none. */
function findClose(src: string, from: number, close: string): number {
  for (let j = from; j < src.length; j++) {
    if (src[j] === '\\') j += 1;
    else if (src.startsWith(close, j)) return j;
  }
  return -1;
}

// Like Jira: an effect opens only after a non-alphanumeric and before a
// non-space, and closes only after a non-space and before a non-alphanumeric.
function canOpen(src: string, i: number): boolean {
  const next = src[i + 1];
  return (i === 0 || !ALNUM.test(src[i - 1])) && next !== undefined && !/\s/.test(next) && next !== src[i];
}

function findEffectClose(src: string, open: number): number {
  const ch = src[open];
  for (let j = open + 2; j < src.length; j++) {
    if (src[j] === '\\') {
      j += 1;
      continue;
    }
    if (src[j] === '{' && src[j + 1] === '{') {
      const end = findClose(src, j + 2, '}}');
      if (end > 0) {
        j = end + 1;
        continue;
      }
    }
    if (src[j] === ch && !/\s/.test(src[j - 1]) && (j + 1 >= src.length || !ALNUM.test(src[j + 1]))) return j;
  }
  return -1;
}
