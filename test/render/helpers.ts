// Test-side restatements of the escaping contracts. Written independently of
// src/render so that a bug in the implementation is not mirrored here.
import fc from 'fast-check';

export const WJ = '\u2060';

/** Inline normalisation: lone surrogates → U+FFFD, whitespace/control runs → one space, trimmed. */
export function normalized(s: string): string {
  return s
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[\s\p{Cc}\u202A-\u202E\u2066-\u2069]+/gu, ' ')
    .trim();
}

/** Expected visible text of an escaped value: normalised, WORD JOINERs removed. */
export function visible(s: string): string {
  return normalized(s).split(WJ).join('');
}

/**
 * A `scheme:` an auto-linker could see: `:x` after a run of scheme characters that is not digits
 * alone (a scheme starts with a letter; `21:30` is a time), or at the very start.
 */
export const BARE_SCHEME = /(?:^|[\p{L}\p{M}+.-]\p{N}*)(?=:(?!\s))/u;

/**
 * Problems in Jira wiki produced from an untrusted value: any markup
 * character not preceded by an escaping backslash, a `\\` line break, a
 * backslash that could escape what follows the value, line breaks/controls,
 * bare URL schemes, line-start keywords and emoticons.
 */
export function jiraProblems(wiki: string): string[] {
  const found: string[] = [];
  const escapable = '-#*_+?^~|%{}[]()!@';
  for (let i = 0; i < wiki.length; i++) {
    const c = wiki[i];
    if (c === '\\') {
      const n = wiki[i + 1];
      if (n !== undefined && escapable.includes(n)) {
        i++;
        continue;
      }
      if (n !== WJ) found.push(`bare backslash at ${i}`);
      continue;
    }
    if ('-#*_+?^~|%{}[]!@'.includes(c)) found.push(`unescaped ${c} at ${i}`);
  }
  if (/[\p{Cc}\u2028\u2029]/u.test(wiki)) found.push('line break / control char');
  if (BARE_SCHEME.test(wiki)) found.push('bare scheme');
  if (/^\s*(?:h[1-6]|bq)\./i.test(wiki)) found.push('line-start keyword');
  if (/(?<!\\)\((?:[yni/x!+?*]|\\[-!+?*]|on|off|\\?\*[rgby]|flag|flagoff)\)/i.test(wiki)) found.push('emoticon (x)');
  if (/[:;](?:[()]|[PpDd](?![\p{L}\p{N}]))/u.test(wiki)) found.push('emoticon :)');
  return found;
}

/** Problems in Markdown produced from an untrusted value. */
export function markdownProblems(md: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < md.length; i++) {
    const c = md[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if ('`*_~[]!<>&#-+=|$'.includes(c)) found.push(`unescaped ${c} at ${i}`);
  }
  if (/@(?![\s\u2060]|$)/.test(md)) found.push('mention / email');
  if (/#(?![\s\u2060]|$)/.test(md)) found.push('issue reference');
  if (/(?<![\p{L}\p{N}])www(?:\.|$)/iu.test(md)) found.push('www autolink');
  if (/(?<![\p{L}\p{N}])gh(?:\\?-\d|$)/iu.test(md)) found.push('GH- reference');
  if (/^\d{1,9}[.)]/.test(md)) found.push('ordered list');
  if (/[\p{Cc}\u2028\u2029]/u.test(md)) found.push('line break / control char');
  if (BARE_SCHEME.test(md)) found.push('bare scheme');
  return found;
}

const TRICKY = [
  ...'\\[]{}|!*_-+^~?#@%&<>`$=():;.,/\'"hbqwgH1P ',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u0085',
  '\u2028',
  '\u202E',
  '\u00A0',
  WJ,
  '\uD800',
  '\uDC00',
  'ſ',
  '😀',
  'http://',
  'HTTPS://x',
  'mailto:',
  'file:',
  'www.',
  'h1. ',
  'bq. ',
  '{{',
  '}}',
  '\\\\',
  '[~',
  '[~accountid:',
  ':)',
  ':P',
  '(y)',
  '(on)',
  'GH-1',
  '#12',
  '@user',
  '1.',
];

/** Strings biased towards markup characters, plus fully arbitrary UTF-16. */
export const untrusted: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...TRICKY), { maxLength: 30 }).map((parts) => parts.join('')),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)) }),
);
