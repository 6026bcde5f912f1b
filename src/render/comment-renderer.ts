import { createRenderer, type Renderer } from './renderer';
import { wikiToAdf } from './wiki-to-adf';
import { adfToHtml, adfToMarkdown, adfToText } from './adf-to-markup';

/** The markup a ticketing system's comments are written in. */
export type CommentMarkup = 'jira-wiki' | 'markdown' | 'html' | 'text';

/** Renders comment templates into one system's markup. */
export interface CommentRenderer {
  readonly markup: CommentMarkup;
  render(templateName: string, view: Record<string, unknown>): string;
}

const CONVERT: Record<Exclude<CommentMarkup, 'jira-wiki'>, (wiki: string) => string> = {
  markdown: (w) => adfToMarkdown(wikiToAdf(w)),
  html: (w) => adfToHtml(wikiToAdf(w)),
  text: (w) => adfToText(wikiToAdf(w)),
};

/**
 * One set of templates (`templates/jira-wiki/`, overridable) serves every system: rendered with
 * requester values escaped for wiki markup, then converted through ADF's literal text nodes into
 * the target markup, where every text node is escaped again for that markup.
 */
export function createCommentRenderer(options: {
  markup: CommentMarkup;
  templateDirs: string[];
  required?: string[];
}): CommentRenderer {
  const wiki: Renderer = createRenderer({
    markup: 'jira-wiki',
    templateDirs: options.templateDirs,
    required: options.required,
  });
  const { markup } = options;
  if (markup === 'jira-wiki') return { markup, render: (name, view) => wiki.render(name, view) };
  const convert = CONVERT[markup];
  return { markup, render: (name, view) => convert(wiki.render(name, view)) };
}
