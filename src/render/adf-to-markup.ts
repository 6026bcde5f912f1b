import type { AdfBlock, AdfDoc, AdfInline } from './wiki-to-adf';
import { escapeMarkdown } from './escape-markdown';
import { escapeHtml } from './escape-html';
import { escapeText } from './escape-text';

/**
 * credgate's templates are written once, in the small Jira wiki subset; wikiToAdf turns the
 * rendered comment into a document of literal text nodes, and these functions write it in each
 * system's markup, escaping every text node for that markup on the way out.
 */

/** Escapes a text node, keeping the single spaces at its edges that separate it from its neighbours. */
function edges(text: string, escape: (s: string) => string): string {
  const core = text.trim();
  if (!core) return text.length ? ' ' : '';
  return (/^\s/.test(text) ? ' ' : '') + escape(core) + (/\s$/.test(text) ? ' ' : '');
}

type InlineWriter = (nodes: AdfInline[]) => string;

function writer(
  escape: (s: string) => string,
  marks: Record<'strong' | 'em' | 'code', [string, string]>,
  lineBreak: string,
): InlineWriter {
  return (nodes) =>
    nodes
      .map((n) => {
        if (n.type === 'hardBreak') return lineBreak;
        if (n.type === 'mention') return escape(n.attrs.text);
        let out = edges(n.text, escape);
        for (const m of n.marks ?? []) {
          if (m.type === 'link') continue;
          const [open, close] = marks[m.type];
          const lead = out.startsWith(' ') ? ' ' : '';
          const trail = out.endsWith(' ') && out.trim() ? ' ' : '';
          out = `${lead}${open}${out.trim()}${close}${trail}`;
        }
        return out;
      })
      .join('');
}

function blocks(doc: AdfDoc, write: (b: AdfBlock) => string, separator: string): string {
  return doc.content.map(write).join(separator);
}

export function adfToMarkdown(doc: AdfDoc): string {
  const inline = writer(escapeMarkdown, { strong: ['**', '**'], em: ['_', '_'], code: ['`', '`'] }, '\n');
  return blocks(
    doc,
    (b) => {
      if (b.type === 'heading') return `${'#'.repeat(b.attrs.level)} ${inline(b.content)}`;
      if (b.type === 'bulletList') return b.content.map((li) => `- ${inline(li.content[0].content)}`).join('\n');
      if (b.type === 'rule') return '---';
      return inline(b.content);
    },
    '\n\n',
  );
}

export function adfToHtml(doc: AdfDoc): string {
  const inline = writer(
    escapeHtml,
    { strong: ['<strong>', '</strong>'], em: ['<em>', '</em>'], code: ['<code>', '</code>'] },
    '<br>',
  );
  return blocks(
    doc,
    (b) => {
      if (b.type === 'heading') return `<h${b.attrs.level}>${inline(b.content)}</h${b.attrs.level}>`;
      if (b.type === 'bulletList')
        return `<ul>${b.content.map((li) => `<li>${inline(li.content[0].content)}</li>`).join('')}</ul>`;
      if (b.type === 'rule') return '<hr>';
      return `<p>${inline(b.content)}</p>`;
    },
    '\n',
  );
}

export function adfToText(doc: AdfDoc): string {
  const inline = writer(escapeText, { strong: ['', ''], em: ['', ''], code: ['', ''] }, '\n');
  return blocks(
    doc,
    (b) => {
      if (b.type === 'heading') return inline(b.content);
      if (b.type === 'bulletList') return b.content.map((li) => `- ${inline(li.content[0].content)}`).join('\n');
      if (b.type === 'rule') return '--';
      return inline(b.content);
    },
    '\n\n',
  );
}
