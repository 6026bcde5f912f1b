import { WORD_JOINER, normalizeInline } from './inline-text';

// ServiceNow renders `[code]...[code]` in journal fields as raw HTML: the one markup a plain-text
// work note has. A joiner after the bracket keeps the text and kills the tag.
const CODE_TAG = /\[(\/?code\])/gi;

/**
 * Escape an untrusted value for a plain-text field (ServiceNow work notes, plain comments): one
 * line, no control characters, no `[code]` HTML passthrough.
 */
export function escapeText(text: string): string {
  return normalizeInline(text).replace(CODE_TAG, `[${WORD_JOINER}$1`);
}
