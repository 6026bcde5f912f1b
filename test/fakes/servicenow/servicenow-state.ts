import { randomBytes } from 'node:crypto';
import { TABLES } from './tables';
import type { FakeServiceNowOptions, FieldSchema, Row } from './types';

/** Thrown when a test drives the fake in a way the instance would not allow (a setup error, not credgate's). */
export class FakeSetupError extends Error {}

const newSysId = () => randomBytes(16).toString('hex');

/** ServiceNow's stored date-time format, UTC. */
export const glideNow = (d = new Date()) => d.toISOString().slice(0, 19).replace('T', ' ');

/** What one insert or update did, for the Business Rule's delivery. */
export interface Mutation {
  table: string;
  sysId: string;
  number: string;
  event: 'insert' | 'update';
  by: string;
  modCount: string;
}

const DEFAULT_STATES: Record<string, string> = {
  '1': 'New',
  '2': 'In Progress',
  '3': 'On Hold',
  '6': 'Resolved',
  '7': 'Closed',
  '8': 'Canceled',
  '101': 'Waiting for requester',
  '102': 'Pending approval',
  '103': 'Approved',
  '104': 'Declined',
  '105': 'Access granted',
  '106': 'Access revoked',
};
const DEFAULT_CATEGORIES: Record<string, string> = {
  inquiry: 'Inquiry / Help',
  software: 'Software',
  hardware: 'Hardware',
  network: 'Network',
  credential_request: 'Credential request',
};

/**
 * The instance's rows, table by table, and the mutations people and the Table API make. Every
 * update of an incident is audited in sys_audit (one row per changed field, record_checkpoint =
 * the new sys_mod_count) and journal fields land in sys_journal_field, as on a real instance.
 */
export class ServiceNowState {
  readonly rows = new Map<string, Map<string, Row>>();
  private nextNumber = 10001;

  constructor(options: FakeServiceNowOptions) {
    for (const table of Object.keys(TABLES)) this.rows.set(table, new Map());
    const groups = new Map<string, string>();
    for (const u of options.users) {
      const user = this.insertRaw(
        'sys_user',
        { user_name: u.userName, name: u.name, email: u.email ?? '', active: 'true' },
        'admin',
      );
      for (const g of u.groups) {
        if (!groups.has(g)) groups.set(g, this.insertRaw('sys_user_group', { name: g }, 'admin').sys_id);
        this.insertRaw('sys_user_grmember', { user: user.sys_id, group: groups.get(g) as string }, 'admin');
      }
    }
    for (const [value, label] of Object.entries(options.states ?? DEFAULT_STATES)) {
      this.insertRaw(
        'sys_choice',
        { name: 'incident', element: 'state', value, label, inactive: 'false', language: 'en' },
        'admin',
      );
    }
    for (const [value, label] of Object.entries(options.categories ?? DEFAULT_CATEGORIES)) {
      this.insertRaw(
        'sys_choice',
        { name: 'incident', element: 'category', value, label, inactive: 'false', language: 'en' },
        'admin',
      );
    }
  }

  table(name: string): Map<string, Row> | undefined {
    return this.rows.get(name);
  }

  field(table: string, name: string): FieldSchema | undefined {
    return TABLES[table]?.fields[name];
  }

  /** A row without auditing (reference data and the audit/journal rows themselves). */
  insertRaw(table: string, values: Row, by: string): Row {
    const now = glideNow();
    const row: Row = {
      sys_id: newSysId(),
      sys_created_on: now,
      sys_created_by: by,
      sys_updated_on: now,
      sys_updated_by: by,
      sys_mod_count: '0',
      ...values,
    };
    this.rows.get(table)?.set(row.sys_id, row);
    return row;
  }

  userByName(userName: string): Row | undefined {
    return [...(this.rows.get('sys_user')?.values() ?? [])].find((u) => u.user_name === userName);
  }

  requireUser(userName: string): Row {
    const u = this.userByName(userName);
    if (!u) throw new FakeSetupError(`FakeServiceNow: no user "${userName}"`);
    return u;
  }

  choiceLabel(table: string, element: string, value: string): string | undefined {
    return [...(this.rows.get('sys_choice')?.values() ?? [])].find(
      (c) => c.name === table && c.element === element && c.value === value,
    )?.label;
  }

  incident(number: string): Row {
    const row = [...(this.rows.get('incident')?.values() ?? [])].find(
      (r) => r.number === number || r.sys_id === number,
    );
    if (!row) throw new FakeSetupError(`FakeServiceNow: no incident ${number}`);
    return row;
  }

  /** A new incident, audited like an insert (record_checkpoint 0 for each field set). */
  insertIncident(by: string, values: Row): Mutation {
    const number = `INC${String(this.nextNumber++).padStart(7, '0')}`;
    const { work_notes, comments, ...plain } = values;
    const row = this.insertRaw('incident', { number, state: '1', active: 'true', ...plain }, by);
    for (const [field, value] of Object.entries(plain)) if (value) this.audit(row, field, '', value, by, '0');
    if (row.state && !plain.state) this.audit(row, 'state', '', row.state, by, '0');
    for (const [element, value] of Object.entries({ work_notes, comments }))
      if (value) this.journal(row, element, value, by, '0');
    return { table: 'incident', sysId: row.sys_id, number, event: 'insert', by, modCount: '0' };
  }

  /** One update: sys_mod_count + 1, an audit row per changed field, journal entries for notes. */
  updateIncident(row: Row, by: string, values: Row): Mutation | null {
    const changed = Object.entries(values).filter(([field, value]) =>
      this.field('incident', field)?.type === 'journal' ? value !== '' : row[field] !== value,
    );
    if (!changed.length) return null;
    const modCount = String(Number(row.sys_mod_count) + 1);
    for (const [field, value] of changed) {
      if (this.field('incident', field)?.type === 'journal') {
        this.journal(row, field, value, by, modCount);
      } else {
        this.audit(row, field, row[field] ?? '', value, by, modCount);
        row[field] = value;
      }
    }
    Object.assign(row, { sys_mod_count: modCount, sys_updated_by: by, sys_updated_on: glideNow() });
    return { table: 'incident', sysId: row.sys_id, number: row.number, event: 'update', by, modCount };
  }

  private audit(row: Row, field: string, oldvalue: string, newvalue: string, by: string, checkpoint: string): void {
    this.insertRaw(
      'sys_audit',
      {
        tablename: 'incident',
        documentkey: row.sys_id,
        fieldname: field,
        oldvalue,
        newvalue,
        user: by,
        reason: '',
        record_checkpoint: checkpoint,
      },
      by,
    );
  }

  private journal(row: Row, element: string, value: string, by: string, checkpoint: string): void {
    this.insertRaw('sys_journal_field', { name: 'incident', element_id: row.sys_id, element, value }, by);
    // Journal entries are audited too (the activity stream is built from both).
    this.audit(row, element, '', value, by, checkpoint);
  }

  /** A (dot-walked) field's stored value, following references: `caller_id.user_name`. */
  valueAt(table: string, row: Row, path: string): string {
    const [head, ...rest] = path.split('.');
    const value = row[head] ?? '';
    if (!rest.length) return value;
    const schema = this.field(table, head);
    if (schema?.type !== 'reference' || !schema.ref) return '';
    const target = this.rows.get(schema.ref)?.get(value);
    return target ? this.valueAt(schema.ref, target, rest.join('.')) : '';
  }

  /** The schema of a (dot-walked) field, or undefined when the table has no such field. */
  schemaAt(table: string, path: string): { table: string; field: FieldSchema } | undefined {
    const [head, ...rest] = path.split('.');
    const schema = this.field(table, head);
    if (!schema) return undefined;
    if (!rest.length) return { table, field: schema };
    return schema.type === 'reference' && schema.ref ? this.schemaAt(schema.ref, rest.join('.')) : undefined;
  }

  /** What a person sees for a (dot-walked) field: a choice's label, a reference's display field. */
  displayAt(table: string, row: Row, path: string): string {
    const parts = path.split('.');
    const last = parts.pop() as string;
    let t = table;
    let r: Row | undefined = row;
    for (const p of parts) {
      const schema = this.field(t, p);
      r = schema?.ref ? this.rows.get(schema.ref)?.get(r?.[p] ?? '') : undefined;
      if (!r || !schema?.ref) return '';
      t = schema.ref;
    }
    const schema = this.field(t, last);
    const value = r?.[last] ?? '';
    if (schema?.type === 'journal') return '';
    if (schema?.type === 'choice') return this.choiceLabel(t, last, value) ?? value;
    if (schema?.type === 'reference' && schema.ref) {
      const target = this.rows.get(schema.ref)?.get(value);
      return target ? (target[TABLESDisplay(schema.ref)] ?? '') : '';
    }
    return value;
  }
}

const TABLESDisplay = (table: string) => TABLES[table]?.display ?? 'sys_id';
