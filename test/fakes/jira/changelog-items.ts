/** Changelog items as Jira writes them (see fixtures/jira-cloud/*.json `changelog.items`). */
import type { ChangelogItem } from './types';
import { plainText } from './jira-format';

/** The item for one changed field; user fields carry accountIds in from/to and display names in the strings. */
export function changeItem(
  fieldId: string,
  before: unknown,
  after: unknown,
  displayName: (accountId: string) => string,
  fieldNames: Record<string, string>,
): ChangelogItem {
  if (fieldId === 'assignee' || fieldId === 'reporter') {
    const from = before === null ? null : String(before);
    const to = accountIdOf(after);
    return jiraItem(fieldId, from, from && displayName(from), to, to && displayName(to));
  }
  if (fieldId === 'labels') {
    const join = (v: unknown): string | null => (Array.isArray(v) && v.length > 0 ? v.join(' ') : null);
    return jiraItem('labels', null, join(before), null, join(after));
  }
  if (fieldId === 'summary' || fieldId === 'description') {
    return jiraItem(fieldId, null, plainText(before), null, plainText(after));
  }
  const custom = fieldId.startsWith('customfield_');
  return {
    field: (custom && fieldNames[fieldId]) || fieldId,
    fieldtype: custom ? 'custom' : 'jira',
    fieldId,
    from: idString(before),
    fromString: displayString(before),
    to: idString(after),
    toString: displayString(after),
  };
}

export function jiraItem(
  fieldId: string,
  from: string | null,
  fromString: string | null,
  to: string | null,
  toString: string | null,
): ChangelogItem {
  return { field: fieldId, fieldtype: 'jira', fieldId, from, fromString, to, toString };
}

export function accountIdOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as { accountId?: unknown; id?: unknown };
    if (typeof v.accountId === 'string') return v.accountId;
    if (typeof v.id === 'string') return v.id;
  }
  return null;
}

/** How Jira shows a field value in changelog `fromString`/`toString`. */
export function displayString(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(displayString).join(',');
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const key of ['value', 'name', 'displayName', 'key']) if (typeof v[key] === 'string') return v[key] as string;
    if (v.type === 'doc') return plainText(value);
    return JSON.stringify(value);
  }
  return String(value);
}

/** Option ids in changelog `from`/`to` (e.g. "10037", or "[10037, 10038]" for multi-selects). */
function idString(value: unknown): string | null {
  const idOf = (v: unknown): string | undefined =>
    typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string'
      ? (v as { id: string }).id
      : undefined;
  if (Array.isArray(value)) {
    const ids = value.map(idOf).filter((x): x is string => x !== undefined);
    return ids.length > 0 ? `[${ids.join(', ')}]` : null;
  }
  return idOf(value) ?? null;
}
