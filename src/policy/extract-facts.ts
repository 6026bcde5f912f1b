import type { TicketSnapshot } from '../domain/ticket';
import { FACT_NAMES, type FactName, type Facts } from '../domain/request';

export type FactLabels = Partial<Record<FactName, { label: string; aliases: string[] }>>;

/** Labels recognised when the policy does not name its own. */
const DEFAULT_ALIASES: Record<FactName, string[]> = {
  systems: ['systems', 'system', 'target system', 'target systems', 'target system(s)', 'system(s)'],
  account: ['account', 'shared account', 'account name'],
  access: ['access', 'access wanted', 'access level', 'permissions'],
  justification: ['justification', 'reason', 'business justification'],
  duration: ['duration', 'for how long', 'access duration'],
  company: ['company', 'vendor', 'requester company', 'contractor'],
  client: ['client', 'customer', 'tenant'],
  linked: ['linked ticket', 'change', 'change ticket', 'change request', 'incident', 'related ticket'],
};

// A "Label: value" line, tolerating list bullets, table pipes and a bold label ("*Account:* x",
// "*Account*: x"); a value's own asterisks are kept.
// (people paste descriptions from templates in wiki markup or Markdown).
// The label part is matched with whitespace runs collapsed, and the value is the rest of the line,
// trimmed, without one trailing pipe. The former whole-line pattern backtracked exponentially on a
// run of "-" or "|" and polynomially on long runs of spaces, so one line of a description could
// block the process for minutes. The separator is the line's first ":" or "=" (no label or prefix
// character is one), so the pattern only ever sees what precedes it, plus the closing "*" of a
// bold label written after the separator ("*Account:* x").
const LABEL = /^\s*(?:[>#|-]\s*|\*\s+)*(\*?)\s*([A-Za-z][A-Za-z0-9 ()/_-]{0,40}?)\s*(?:\1\s*[:=]|[:=]\s*\1)/;
/** Line terminators: a value containing one (a lone \r, say) is not read, as before. */
const TERMINATOR = /[\r\n\u2028\u2029]/;

export function aliasIndex(labels: FactLabels): Map<string, FactName> {
  const index = new Map<string, FactName>();
  for (const fact of FACT_NAMES) {
    const configured = labels[fact];
    const names = configured ? [configured.label, ...configured.aliases, fact] : DEFAULT_ALIASES[fact];
    for (const n of names) index.set(normalize(n), fact);
  }
  return index;
}

const normalize = (label: string) =>
  label
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .trim();

/** Reads "Label: value" lines; a later line for the same fact wins (a reply corrects the description). */
export function parseFactLines(text: string, index: Map<string, FactName>): Partial<Record<FactName, string>> {
  const found: Partial<Record<FactName, string>> = {};
  // U+2028/2029 end a line for people and for regular expressions alike.
  for (const line of text.split(/\r\n|[\n\r\u2028\u2029]/)) {
    const sep = line.search(/[:=]/);
    if (sep < 0) continue;
    const head = line.slice(0, sep + 1).replace(/\s+/g, ' ');
    let rest = line.slice(sep + 1);
    const star = /^\s*\*/.exec(rest)?.[0] ?? '';
    const m = LABEL.exec(star ? head + '*' : head);
    if (!m) continue;
    if (m[0].length > head.length) rest = rest.slice(star.length);
    let value = rest.trim();
    if (value.endsWith('|')) value = value.slice(0, -1).trim();
    if (TERMINATOR.test(value)) continue;
    const fact = index.get(normalize(m[2]));
    if (fact && value) found[fact] = value;
  }
  return found;
}

/**
 * The request's standard facts: description lines, then the reporter's replies, then fields the
 * operator mapped (structured fields are the most deliberate, so they win).
 */
export function extractFacts(snapshot: TicketSnapshot, labels: FactLabels): Facts {
  const index = aliasIndex(labels);
  const reporterId = snapshot.reporter?.id;
  const merged: Partial<Record<FactName, string>> = { ...parseFactLines(snapshot.description, index) };
  for (const reply of snapshot.replies) {
    if (reporterId && reply.author.id === reporterId) Object.assign(merged, parseFactLines(reply.body, index));
  }
  for (const [name, value] of Object.entries(snapshot.mappedFacts)) {
    if ((FACT_NAMES as string[]).includes(name) && value.trim()) merged[name as FactName] = value.trim();
  }
  return {
    systems: splitList(merged.systems ?? ''),
    account: merged.account ?? '',
    access: merged.access ?? '',
    justification: merged.justification ?? '',
    duration: merged.duration ?? '',
    company: merged.company ?? '',
    client: merged.client ?? '',
    ...(merged.linked ? { linked: merged.linked } : {}),
  };
}

function splitList(value: string): string[] {
  return value
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !/^(n\/?a|none|-)$/i.test(s));
}

const NONE = /^(n\/?a|none|-|_no response_)$/i;

/** Facts the category requires that are empty (a placeholder like "N/A" counts as empty). */
export function missingFacts(facts: Facts, required: readonly FactName[]): FactName[] {
  return required.filter((name) => {
    const v = facts[name] ?? '';
    return Array.isArray(v) ? v.length === 0 : v.trim() === '' || NONE.test(v.trim());
  });
}
