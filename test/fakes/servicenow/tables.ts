import type { FieldSchema, TableSchema } from './types';

const s = (): FieldSchema => ({ type: 'string' });
const ref = (table: string): FieldSchema => ({ type: 'reference', ref: table });
const dt = (): FieldSchema => ({ type: 'datetime' });
const SYS = {
  sys_id: s(),
  sys_created_on: dt(),
  sys_created_by: s(),
  sys_updated_on: dt(),
  sys_updated_by: s(),
  sys_mod_count: { type: 'integer' } as FieldSchema,
};

/**
 * The tables the fake serves, with the columns credgate may touch. Column names are those of a
 * real instance (incident, sys_audit, sys_journal_field, sys_user, sys_user_group,
 * sys_user_grmember, sys_choice); a column not listed here is "unknown" to the fake.
 */
export const TABLES: Record<string, TableSchema> = {
  incident: {
    display: 'number',
    fields: {
      ...SYS,
      number: s(),
      short_description: s(),
      description: s(),
      state: { type: 'choice' },
      category: { type: 'choice' },
      caller_id: ref('sys_user'),
      opened_by: ref('sys_user'),
      assignment_group: ref('sys_user_group'),
      active: { type: 'boolean' },
      work_notes: { type: 'journal' },
      comments: { type: 'journal' },
    },
  },
  sys_audit: {
    display: 'sys_id',
    fields: {
      ...SYS,
      tablename: s(),
      documentkey: s(),
      fieldname: s(),
      oldvalue: s(),
      newvalue: s(),
      user: s(),
      reason: s(),
      record_checkpoint: { type: 'integer' },
    },
  },
  sys_journal_field: {
    display: 'sys_id',
    fields: { ...SYS, name: s(), element_id: s(), element: s(), value: s() },
  },
  sys_user: { display: 'name', fields: { ...SYS, user_name: s(), name: s(), email: s(), active: { type: 'boolean' } } },
  sys_user_group: { display: 'name', fields: { ...SYS, name: s() } },
  sys_user_grmember: { display: 'sys_id', fields: { ...SYS, user: ref('sys_user'), group: ref('sys_user_group') } },
  sys_choice: {
    display: 'label',
    fields: { ...SYS, name: s(), element: s(), value: s(), label: s(), inactive: { type: 'boolean' }, language: s() },
  },
};

/** Fields the Table API never lets a caller write (system-maintained). */
export const isSystemField = (field: string): boolean => field.startsWith('sys_');
