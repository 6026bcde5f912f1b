/**
 * Reads the body GitHub writes when someone submits an issue form: one `### <label>` heading per
 * field, a blank line, then the answer; `_No response_` for an empty optional field; checkbox
 * fields as a task list (`- [x] option`). See
 * https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-issue-forms
 * and the real body in test/fixtures/github/issue-form.full-example.body.md.
 */

/** One answered field: its heading, its text, and for checkbox fields the options ticked. */
export interface FormSection {
  label: string;
  value: string;
  checked: string[];
  unchecked: string[];
}

const HEADING = /^###\s+(.+?)\s*#*\s*$/;
// GitHub writes "- [x]" / "- [X]"; people editing the body by hand write "- []" and "* [ ]" too.
const TASK = /^\s*[-*]\s+\[([ xX]?)\]\s+(.*?)\s*$/;
const NO_RESPONSE = /^_no response_$/i;

/** The sections of an issue-form body, in order; an empty list when the body has no `###` heading. */
export function parseIssueForm(body: string | null | undefined): FormSection[] {
  const sections: FormSection[] = [];
  let current: { label: string; lines: string[] } | null = null;
  let fence: string | null = null;
  const flush = () => {
    if (current) sections.push(toSection(current.label, current.lines));
  };
  for (const line of (body ?? '').split(/\r?\n/)) {
    // A "### " inside a fenced block (a textarea rendered as code) is the requester's text, not a field.
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === null || fence === marker)) fence = fence === null ? marker : null;
    const heading = fence === null && !marker ? HEADING.exec(line) : null;
    if (heading) {
      flush();
      current = { label: heading[1], lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return sections;
}

function toSection(label: string, lines: string[]): FormSection {
  const text = lines.join('\n').trim();
  const checked: string[] = [];
  const unchecked: string[] = [];
  const nonEmpty = lines.filter((l) => l.trim());
  const tasks = nonEmpty.map((l) => TASK.exec(l));
  if (nonEmpty.length && tasks.every(Boolean)) {
    for (const t of tasks as RegExpExecArray[]) (t[1].trim() ? checked : unchecked).push(t[2]);
    return { label, value: checked.join(', '), checked, unchecked };
  }
  return { label, value: NO_RESPONSE.test(text) ? '' : unfence(text), checked, unchecked };
}

/** A textarea with `render:` arrives wrapped in a code fence; the fact is what is inside. */
function unfence(text: string): string {
  const m = /^(```|~~~)[^\n]*\n([\s\S]*?)\n?\1$/.exec(text);
  return m ? m[2].trim() : text;
}

/** True when a body looks like it came from an issue form naming at least `min` of `labels`. */
export function hasFormSections(body: string | null | undefined, labels: Iterable<string>, min = 2): boolean {
  const wanted = new Set([...labels].map(normalizeLabel));
  return parseIssueForm(body).filter((s) => wanted.has(normalizeLabel(s.label))).length >= min;
}

/** Headings are compared without case, surrounding space or a trailing colon or question mark. */
export const normalizeLabel = (label: string): string =>
  label
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .replace(/[:?]+$/, '')
    .trim();
