/**
 * Requester text capped to what a ticketing system takes. A field longer than its share is cut
 * and says so; a whole comment still over the system's limit is cut at a line break and says so
 * too, so the ticket never silently shows less than was written, and the vendor never refuses a
 * comment for its length (a refusal is permanent: the comment would be lost).
 */

/** Used when a connector names no limit: Jira's, the smallest of the common ones. */
export const DEFAULT_COMMENT_LIMIT = 32_767;

/** Said at the end of a field credgate shortened. */
export const fieldShortened = (length: number) => ` … [shortened by credgate: ${length} characters in all]`;

/** Said at the end of a comment credgate shortened. */
export const commentShortened = (limit: number) =>
  `\n\n(credgate shortened this comment to fit this system's limit of ${limit} characters; the full request is in credgate's audit log)`;

/**
 * Characters one requester field may take in a comment with room for `commentLimit`: an eighth,
 * so a comment quoting several fields still fits, and never more than 2,000 (a justification
 * longer than that is not read on a ticket anyway).
 */
export const fieldLimitFor = (commentLimit: number) => Math.max(80, Math.min(2_000, Math.floor(commentLimit / 8)));

/** A copy of `view` in which every string longer than `limit` is cut and marked (before escaping). */
export function capView<T>(view: T, limit: number): T {
  return walk(view, limit) as T;
}

function walk(value: unknown, limit: number): unknown {
  if (typeof value === 'string') return capString(value, limit);
  if (Array.isArray(value)) return value.map((v) => walk(v, limit));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, limit);
    return out;
  }
  return value;
}

function capString(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const marker = fieldShortened(text.length);
  return `${cutAt(text, Math.max(0, limit - marker.length))}${marker}`;
}

/** The rendered comment, cut at a line break (markup stays whole line by line) to fit `limit`. */
export function capComment(body: string, limit: number): string {
  if (body.length <= limit) return body;
  const notice = commentShortened(limit);
  const room = Math.max(0, limit - notice.length);
  const lineEnd = body.lastIndexOf('\n', room);
  const kept = lineEnd > room / 2 ? body.slice(0, lineEnd) : outsideMarkup(cutAt(body, room));
  return `${kept}${notice}`;
}

/** HTML cut mid-line: never leave half a tag or half an entity at the end. */
function outsideMarkup(text: string): string {
  let out = text;
  if (out.lastIndexOf('<') > out.lastIndexOf('>')) out = out.slice(0, out.lastIndexOf('<'));
  if (out.lastIndexOf('&') > out.lastIndexOf(';')) out = out.slice(0, out.lastIndexOf('&'));
  return out;
}

/** The first `n` UTF-16 units, never splitting a surrogate pair. */
function cutAt(text: string, n: number): string {
  const code = text.charCodeAt(n - 1);
  return code >= 0xd800 && code <= 0xdbff ? text.slice(0, n - 1) : text.slice(0, n);
}
