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
};

// A "Label: value" line, tolerating list bullets, table pipes and a bold label ("*Account:* x",
// "*Account*: x"); a value's own asterisks are kept.
// (people paste descriptions from templates in wiki markup or Markdown).
const LINE = /^\s*(?:[>#|-]+\s*|\*\s+)*(\*?)\s*([A-Za-z][A-Za-z0-9 ()/_-]{0,40}?)\s*(?:\1\s*[:=]|[:=]\s*\1)\s*(.*?)\s*\|?\s*$/;

export function aliasIndex(labels: FactLabels): Map<string, FactName> {
  const index = new Map<string, FactName>();
  for (const fact of FACT_NAMES) {
    const configured = labels[fact];
    const names = configured ? [configured.label, ...configured.aliases, fact] : DEFAULT_ALIASES[fact];
    for (const n of names) index.set(normalize(n), fact);
  }
  return index;
}

const normalize = (label: string) => label.toLowerCase().replace(/[\s_]+/g, ' ').trim();

/** Reads "Label: value" lines; a later line for the same fact wins (a reply corrects the description). */
export function parseFactLines(text: string, index: Map<string, FactName>): Partial<Record<FactName, string>> {
  const found: Partial<Record<FactName, string>> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = LINE.exec(line);
    if (!m) continue;
    const fact = index.get(normalize(m[2]));
    const value = m[3].trim();
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
    const v = facts[name];
    return Array.isArray(v) ? v.length === 0 : v.trim() === '' || NONE.test(v.trim());
  });
}
