/**
 * The parts of ServiceNow's Table API JSON credgate reads. Deliberately partial. With
 * `sysparm_display_value=all` every field is `{ value, display_value }` (plus `link` for references
 * unless `sysparm_exclude_reference_link=true`); without it a field is a plain string.
 * https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html
 */
export type SnField =
  | string
  | { value?: string | null; display_value?: string | null; link?: string }
  | null
  | undefined;

/** One record of the configured table (incident, sc_req_item...), keyed by field name. */
export type SnRecord = Record<string, SnField>;

/** A row of sys_audit: one field change of an audited record. `user` is the user_name, not a sys_id. */
export interface SnAudit {
  sys_id: string;
  user: string;
  fieldname?: string;
  oldvalue?: string;
  newvalue?: string;
  sys_created_on: string;
  record_checkpoint?: string;
}

/** A row of sys_journal_field: one work note or additional comment. */
export interface SnJournalEntry {
  sys_id: string;
  element: string;
  value: string;
  sys_created_by: string;
  sys_created_on: string;
}

export interface SnUser {
  sys_id: string;
  user_name: string;
  name?: string;
  email?: string;
}

/** A row of sys_choice: one value of a choice field (the table's state field). */
export interface SnChoice {
  value: string;
  label: string;
}

/**
 * The body credgate's Business Rule sends (connectors/servicenow/readme.md). Read as untrusted JSON:
 * every member is checked before use.
 */
export interface SnWebhook {
  sys_id?: unknown;
  number?: unknown;
  table?: unknown;
  event?: unknown;
  updated_by?: unknown;
  sys_mod_count?: unknown;
}
