/**
 * What Zendesk stores as a comment's `body` / `plain_body` when it is given `html_body`: the text a
 * reader sees. Written independently of the connector's own flattening, so tests compare two views.
 */
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function htmlToPlain(html: string): string {
  const withBreaks = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<hr\s*\/?>/gi, '\n----\n')
    .replace(/<li\b[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|h\d|li|ul|ol|pre|blockquote)\s*>/gi, '\n');
  const stripped = withBreaks.replace(/<\/?[a-z][^>]*>/gi, '');
  const decoded = stripped.replace(
    /&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));/gi,
    (m, dec: string, hex: string, name: string) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      return NAMED[name.toLowerCase()] ?? m;
    },
  );
  return decoded
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Unescaped `<` that opens a tag credgate never writes: scripts, links, images, iframes, event handlers. */
export function dangerousHtml(html: string): string | null {
  const m = /<(script|a|img|iframe|object|embed|style|form|input)\b|<[^>]*\son[a-z]+\s*=/i.exec(html);
  return m ? m[0] : null;
}
