import { normalizeInline } from './inline-text';

// Numeric references rather than `&amp;`/`&lt;`: they survive the renderer's
// `upper` helper unchanged (`&#60;` has no letters), whereas `&lt;` would
// become `&LT;` and rely on legacy entity handling.
const ENTITIES: Record<string, string> = {
  '&': '&#38;',
  '<': '&#60;',
  '>': '&#62;',
  '"': '&#34;',
  "'": '&#39;',
  '`': '&#96;', // closes unquoted attributes in some legacy parsers
};

/**
 * Escape an untrusted plain-text value for HTML text content or a quoted
 * attribute value. Line breaks and control characters collapse to single
 * spaces first (see {@link normalizeInline}), like the other escapers, so the
 * three markups treat values identically.
 *
 * It does not defang URLs: HTML only links `<a href>`, which cannot be formed
 * once `<` is escaped (mail clients that auto-link plain text are out of
 * scope).
 *
 * @param text - untrusted plain text
 * @returns HTML-safe text
 */
export function escapeHtml(text: string): string {
  return normalizeInline(text).replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}
