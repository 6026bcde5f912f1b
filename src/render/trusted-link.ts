import type { CommentMarkup } from './comment-renderer';
import { CredgateError } from '../util/errors';

/**
 * credgate's own links (a one-time link) must be clickable, while every view value is escaped
 * and URLs in requester text are deliberately defanged. So a template renders a placeholder made
 * of letters only (unchanged by every escaper) and the link is put in afterwards, in the markup's
 * explicit link syntax, only if it is a plain http(s) URL that no markup can misread.
 */
export const LINK_PLACEHOLDER = 'CREDGATELINKPLACEHOLDER';

const SAFE_URL = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~/-]*)?$/;

export function insertLink(body: string, url: string, markup: CommentMarkup): string {
  if (!SAFE_URL.test(url))
    throw new CredgateError('config', 'refusing to insert a link that is not a plain http(s) URL');
  const link =
    markup === 'jira-wiki'
      ? `[${url}]`
      : markup === 'markdown'
        ? `<${url}>`
        : markup === 'html'
          ? `<a href="${url}">${url}</a>`
          : url;
  return body.split(LINK_PLACEHOLDER).join(link);
}

/** `[https://...]` in wiki written by {@link insertLink}: what wiki-to-adf turns into a link mark. */
export const WIKI_LINK = /^\[(https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9._~/-]*)?)\]/;
