import { httpFailure } from '../kit';
import axios, { type AxiosInstance } from 'axios';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import type { ServiceNowConfig } from './schema';
import type { SnAudit, SnChoice, SnJournalEntry, SnRecord, SnUser } from './types';

/**
 * One function per Table API call credgate makes (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html).
 * Every failure becomes a CredgateError here, once, with no header or credential in its message.
 */
export interface ServiceNowClient {
  /** GET /api/now/table/{table}/{sys_id} with display values, so choices and references come with labels. */
  getRecord(table: string, sysId: string, fields: string[]): Promise<SnRecord>;
  /** PATCH /api/now/table/{table}/{sys_id}: only the fields sent change. */
  updateRecord(table: string, sysId: string, values: Record<string, string>): Promise<void>;
  /** GET /api/now/table/{table}?sysparm_query=...: stored values, every page. */
  queryRecords(table: string, query: string, fields: string[]): Promise<SnRecord[]>;
  /** Work notes and comments from sys_journal_field, oldest first. */
  getJournal(table: string, sysId: string, elements: string[]): Promise<SnJournalEntry[]>;
  /** Changes of one field from sys_audit, oldest first. */
  getAudit(table: string, sysId: string, field: string): Promise<SnAudit[]>;
  findUser(userName: string): Promise<SnUser | null>;
  /** Group names from sys_user_grmember. */
  getUserGroups(userName: string): Promise<string[]>;
  /** The active choices of a choice field, from sys_choice. */
  getChoices(table: string, element: string): Promise<SnChoice[]>;
}

const PAGE = 500;

/** Query values are joined with ^ and , in encoded queries: a value holding them is refused, never sent. */
function queryValue(v: string): string {
  if (/[\^,=\r\n]/.test(v))
    throw new CredgateError('bad-input', `"${v.slice(0, 40)}" cannot be used in a ServiceNow query`);
  return v;
}

export function createServiceNowClient(config: ServiceNowConfig, http?: AxiosInstance): ServiceNowClient {
  const api =
    http ??
    axios.create({
      baseURL: `${(config.instanceUrl ?? '').replace(/\/+$/, '')}/api/now`,
      timeout: parseDuration(config.requestTimeout) ?? 10_000,
      headers: { Accept: 'application/json', ...(config.token ? { Authorization: `Bearer ${config.token}` } : {}) },
      ...(config.token ? {} : { auth: { username: config.username ?? '', password: config.password ?? '' } }),
    });

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toCredgateError(what, err);
    }
  };

  /** Pages with sysparm_offset until a short page (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html). */
  const list = async <T>(what: string, table: string, params: Record<string, string>): Promise<T[]> => {
    const all: T[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await call(what, async () => {
        const res = await api.get<{ result: T[] }>(`/table/${table}`, {
          params: {
            ...params,
            sysparm_limit: String(PAGE),
            sysparm_offset: String(offset),
            sysparm_exclude_reference_link: 'true',
          },
        });
        return Array.isArray(res.data?.result) ? res.data.result : [];
      });
      all.push(...page);
      if (page.length < PAGE) return all;
    }
  };

  return {
    getRecord: (table, sysId, fields) =>
      call(`GET ${table} ${sysId}`, async () => {
        const res = await api.get<{ result: SnRecord }>(`/table/${table}/${sysId}`, {
          params: {
            sysparm_fields: fields.join(','),
            sysparm_display_value: 'all',
            sysparm_exclude_reference_link: 'true',
          },
        });
        return res.data.result;
      }),

    updateRecord: (table, sysId, values) =>
      call(`PATCH ${table} ${sysId}`, async () => {
        // Only sys_id back: the response would otherwise repeat the whole record.
        await api.patch(`/table/${table}/${sysId}`, values, {
          params: { sysparm_fields: 'sys_id' },
          headers: { 'Content-Type': 'application/json' },
        });
      }),

    queryRecords: (table, query, fields) =>
      list<SnRecord>(`query ${table}`, table, { sysparm_query: query, sysparm_fields: fields.join(',') }),

    getJournal: (table, sysId, elements) =>
      list<SnJournalEntry>(`GET journal of ${sysId}`, 'sys_journal_field', {
        sysparm_query: `name=${queryValue(table)}^element_id=${queryValue(sysId)}^elementIN${elements.map(queryValue).join(',')}^ORDERBYsys_created_on`,
        sysparm_fields: 'sys_id,element,value,sys_created_by,sys_created_on',
      }),

    getAudit: (table, sysId, field) =>
      list<SnAudit>(`GET audit of ${sysId}`, 'sys_audit', {
        sysparm_query: `tablename=${queryValue(table)}^documentkey=${queryValue(sysId)}^fieldname=${queryValue(field)}^ORDERBYsys_created_on`,
        sysparm_fields: 'sys_id,user,fieldname,oldvalue,newvalue,sys_created_on,record_checkpoint',
      }),

    findUser: (userName) =>
      call('GET sys_user', async () => {
        const res = await api.get<{ result: SnUser[] }>('/table/sys_user', {
          params: {
            sysparm_query: `user_name=${queryValue(userName)}`,
            sysparm_fields: 'sys_id,user_name,name,email',
            sysparm_limit: '1',
          },
        });
        return res.data.result?.[0] ?? null;
      }),

    async getUserGroups(userName) {
      const rows = await list<Record<string, string>>('GET group memberships', 'sys_user_grmember', {
        sysparm_query: `user.user_name=${queryValue(userName)}`,
        sysparm_fields: 'group.name',
      });
      return rows.map((r) => r['group.name']).filter((n): n is string => typeof n === 'string' && n !== '');
    },

    async getChoices(table, element) {
      const rows = await list<SnChoice>(`GET choices of ${table}.${element}`, 'sys_choice', {
        sysparm_query: `name=${queryValue(table)}^element=${queryValue(element)}^inactive=false`,
        sysparm_fields: 'value,label',
      });
      return rows.filter((r) => typeof r.value === 'string');
    },
  };
}

/** Maps a failed call to an error kind: the one place ServiceNow's HTTP statuses are interpreted. */
export function toCredgateError(what: string, err: unknown): CredgateError {
  return httpFailure(err, {
    system: 'ServiceNow',
    what,
    detail: serviceNowMessage,
    authHint: "check SERVICENOW_USERNAME, the password or token, and the user's roles",
  });
}

/** ServiceNow's own error text ({error: {message, detail}}), cut short: it is for logs, never for comments. */
function serviceNowMessage(data: unknown): string {
  const error = (data as { error?: { message?: unknown; detail?: unknown } } | undefined)?.error;
  if (!error || typeof error !== 'object') return '';
  return [error.message, error.detail]
    .filter((s) => typeof s === 'string' && s)
    .join(': ')
    .slice(0, 300);
}
