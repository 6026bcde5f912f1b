/** Small formatting helpers shared by the fake's REST renderers and webhook payloads. */

/** Jira's timestamp format: 2026-11-25T06:31:24.000+0000 (always UTC here). */
export function jiraTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

export type AdfDoc = { type: 'doc'; version: 1; content: unknown[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isAdfDoc(value: unknown): value is AdfDoc {
  return isRecord(value) && value.type === 'doc' && Array.isArray(value.content);
}

/** Plain text → minimal ADF: one paragraph per blank-line-separated block, hardBreak for single newlines. */
export function textToAdf(text: string): AdfDoc {
  const paragraphs = text.split(/\n{2,}/).map((block) => {
    const content: unknown[] = [];
    block.split('\n').forEach((line, i) => {
      if (i > 0) content.push({ type: 'hardBreak' });
      if (line !== '') content.push({ type: 'text', text: line });
    });
    return { type: 'paragraph', content };
  });
  return { type: 'doc', version: 1, content: paragraphs };
}

/** ADF → plain text (lossy: marks dropped; mentions become their text). */
export function adfToText(node: unknown): string {
  if (!isRecord(node)) return '';
  if (node.type === 'text' && typeof node.text === 'string') return node.text;
  if (node.type === 'hardBreak') return '\n';
  if (node.type === 'mention' && isRecord(node.attrs)) return String(node.attrs.text ?? '');
  const children = Array.isArray(node.content) ? node.content.map(adfToText) : [];
  const blockLevel = node.type === 'doc' || node.type === 'bulletList' || node.type === 'orderedList';
  return children.join(blockLevel ? '\n\n' : '');
}

/** A rich-text value (string, ADF or null) as the given REST version shows it. */
export function richText(value: unknown, version: 2 | 3): unknown {
  if (value === null || value === undefined) return null;
  if (version === 3) return isAdfDoc(value) ? value : textToAdf(String(value));
  return isAdfDoc(value) ? adfToText(value) : String(value);
}

/** A rich-text value as plain text (webhooks carry wiki markup strings). */
export function plainText(value: unknown): string | null {
  return richText(value, 2) as string | null;
}

/** A Jira-style error body. */
export function jiraError(
  errorMessages: string[],
  errors: Record<string, string> = {},
): { errorMessages: string[]; errors: Record<string, string> } {
  return { errorMessages, errors };
}
