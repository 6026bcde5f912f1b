/**
 * Shared normalisation for untrusted values that are inserted *inline* into a
 * rendered comment (Jira wiki, Markdown or HTML).
 *
 * Values are never allowed to start a new line or block: a line break is the
 * first step of almost every block-level injection (headings, lists, tables,
 * quotes, macros on their own line), so all of them are collapsed here before
 * the markup-specific escaper runs.
 */

/**
 * U+2060 WORD JOINER: an invisible, zero-width, non-whitespace character used
 * to "defang" auto-detected constructs (URL schemes, mentions, headings).
 *
 * Chosen over U+200B (zero-width space) because U+200B is a line-break
 * opportunity, and over U+200D (zero-width joiner) because ZWJ has meaning in
 * emoji sequences. It is not matched by `\s` in JavaScript or Java regular
 * expressions, so parsers looking for `scheme:` or `h1.` do not see through it,
 * and browsers render it as nothing.
 */
export const WORD_JOINER = '\u2060';

// Unpaired UTF-16 surrogates cannot be encoded in UTF-8 / JSON sent to Jira or
// GitHub; replace them rather than let a remote API reject or mangle the text.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// Whitespace (incl. CR/LF, NBSP, U+2028/9), C0/C1 controls, and the bidi
// embedding/override/isolate controls (they can visually reorder the text
// around the value, "Trojan Source" style) all collapse to one space.
const BREAKING = /[\s\p{Cc}\u202A-\u202E\u2066-\u2069]+/gu;

/**
 * Normalise a value for inline use: lone surrogates become U+FFFD, every run of
 * whitespace / control / bidi-control characters becomes a single space, and
 * the result is trimmed.
 *
 * @param text - untrusted plain text
 * @returns a single-line string without control characters
 */
export function normalizeInline(text: string): string {
  return String(text).replace(LONE_SURROGATE, '\uFFFD').replace(BREAKING, ' ').trim();
}

// A `:` right after a letter/digit/mark (or a scheme char `+ . -`) and not
// followed by whitespace is where every auto-linker looks for `scheme:`.
// Both ends of the value count too, so adjacent placeholders `{{a}}{{b}}`
// cannot be glued into a URL: a = "http:" + b = "//x", or a = "http" + b = "://x".
// A run of digits alone is no scheme (a scheme starts with a letter, RFC 3986 §3.1) and no linker
// sees one there: the colon of a time (`21:30`) or a port-less `8080:` stays as it is, so times
// copy and search cleanly.
const SCHEME_COLON = /(?<=^|[\p{L}\p{N}\p{M}+.-])(?<!(?:^|[^\p{L}\p{N}\p{M}+.-])\p{N}+)(?=:(?!\s))/gu;

/**
 * Insert {@link WORD_JOINER} before every colon that could terminate a URL
 * scheme (`http:`, `mailto:`, `file:`, `jamfselfservice:` ...), so no
 * auto-linker recognises a bare URL. `Note: text` (colon + space) is left
 * untouched.
 *
 * A Unicode-aware class is used on purpose: `"httpſ:".toUpperCase()` is
 * `"HTTPS:"`, so an ASCII-only check could be bypassed by the `upper` helper.
 *
 * @param text - already normalised text
 */
export function defangSchemes(text: string): string {
  return text.replace(SCHEME_COLON, WORD_JOINER);
}

// Auto-linkers (GitHub's extended autolink, Jira's renderer, mail clients) link `www.host` with no
// scheme at all. A trailing "www" counts too, against `{{a}}{{b}}` gluing.
const WWW = /(?<![\p{L}\p{N}])(www)(?=\.|$)/giu;

/** Insert {@link WORD_JOINER} after a `www` that would start a scheme-less link. */
export function defangWww(text: string): string {
  return text.replace(WWW, `$1${WORD_JOINER}`);
}
