import { applyQuery, parseEncodedQuery } from './encoded-query';
import { isSystemField, TABLES } from './tables';
import type { Mutation, ServiceNowState } from './servicenow-state';
import type { Row } from './types';

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  rawBody: boolean;
  contentType: string;
  user: string;
  baseUrl: string;
}

export interface ApiResult {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ApiContext {
  violation(message: string): void;
  emit(mutation: Mutation): void;
}

/** ServiceNow's error body (https://www.servicenow.com/docs/r/api-reference/rest-apis/c_RESTAPI.html). */
export const snError = (
  status: number,
  message: string,
  detail: string | null = null,
  headers?: Record<string, string>,
): ApiResult => ({
  status,
  headers,
  body: { error: { message, detail }, status: 'failure' },
});

const COMMON = [
  'sysparm_display_value',
  'sysparm_exclude_reference_link',
  'sysparm_fields',
  'sysparm_view',
  'sysparm_query_no_domain',
];
const ALLOWED: Record<string, string[]> = {
  list: [
    ...COMMON,
    'sysparm_query',
    'sysparm_limit',
    'sysparm_offset',
    'sysparm_no_count',
    'sysparm_suppress_pagination_header',
    'sysparm_query_category',
  ],
  get: COMMON,
  update: [...COMMON, 'sysparm_input_display_value', 'sysparm_suppress_auto_sys_field'],
};

const ROUTE = /^\/api\/now(?:\/v[12])?\/table\/([A-Za-z0-9_]+)(?:\/([^/]+))?\/?$/;

/** One Table API call: route, contract checks (recorded as violations), then the operation. */
export function handleTableApi(req: ApiRequest, state: ServiceNowState, ctx: ApiContext): ApiResult {
  const route = ROUTE.exec(req.path);
  if (!route) {
    ctx.violation(`${req.method} ${req.path}: not a Table API resource`);
    return snError(400, 'Requested URI does not represent any resource');
  }
  const [, table, sysId] = route;
  if (!TABLES[table]) {
    ctx.violation(`${req.method} ${req.path}: no table ${table} in the fake`);
    return snError(400, `Invalid table ${table}`);
  }
  const kind =
    sysId === undefined
      ? req.method === 'GET'
        ? 'list'
        : null
      : req.method === 'GET'
        ? 'get'
        : req.method === 'PATCH' || req.method === 'PUT'
          ? 'update'
          : null;
  if (!kind) {
    ctx.violation(
      `${req.method} ${req.path}: credgate has no reason to ${req.method} here (the fake serves GET and PATCH/PUT of records)`,
    );
    return snError(405, 'Method not Supported', `${req.method} is not served for this resource by the fake`);
  }
  const problems = checkParams(kind, req.query);
  if (problems.length) {
    for (const p of problems) ctx.violation(`${req.method} ${req.path}: ${p}`);
    return snError(400, 'Invalid query parameters', problems.join('; '));
  }
  const fields = (req.query.sysparm_fields ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of fields)
    if (!state.schemaAt(table, f))
      ctx.violation(
        `${req.method} ${req.path}: sysparm_fields names "${f}", which ${table} lacks (ServiceNow ignores it silently)`,
      );
  const render = (row: Row) => renderRow(state, table, row, fields, req);

  if (kind === 'list') {
    const filters = Object.entries(req.query).filter(([k]) => !k.startsWith('sysparm_'));
    if (filters.length && req.query.sysparm_query !== undefined) {
      ctx.violation(`GET ${req.path}: name-value filters and sysparm_query are mutually exclusive`);
    }
    const parsed = parseEncodedQuery(req.query.sysparm_query ?? filters.map(([k, v]) => `${k}=${v}`).join('^'), (f) =>
      Boolean(state.schemaAt(table, f)),
    );
    for (const p of parsed.problems) ctx.violation(`GET ${req.path}: sysparm_query: ${p}`);
    const all = applyQuery([...(state.table(table)?.values() ?? [])], parsed, (row, f) => state.valueAt(table, row, f));
    const offset = Number(req.query.sysparm_offset ?? 0);
    const limit = Number(req.query.sysparm_limit ?? 10_000);
    return {
      status: 200,
      headers: { 'X-Total-Count': String(all.length) },
      body: { result: all.slice(offset, offset + limit).map(render) },
    };
  }

  const row = state.table(table)?.get(sysId as string);
  if (!row) return snError(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
  if (kind === 'get') return { status: 200, body: { result: render(row) } };

  if (table !== 'incident') {
    ctx.violation(`${req.method} ${req.path}: credgate writes only to its ticket table`);
    return snError(403, 'Operation Failed', 'ACL Exception Update Failed due to security constraints');
  }
  if (!/application\/json/i.test(req.contentType)) {
    ctx.violation(`${req.method} ${req.path}: Content-Type is "${req.contentType || 'none'}", not application/json`);
    return snError(415, 'Unsupported Media Type', `Content-Type ${req.contentType || 'none'} is not supported`);
  }
  if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
    ctx.violation(`${req.method} ${req.path}: the body is not a JSON object of field values`);
    return snError(400, 'Exception while reading request', 'The payload is not valid JSON.');
  }
  const values: Row = {};
  for (const [field, value] of Object.entries(req.body as Record<string, unknown>)) {
    const schema = state.field(table, field);
    if (!schema)
      ctx.violation(`${req.method} ${req.path}: ${table} has no field "${field}" (ServiceNow ignores it silently)`);
    else if (isSystemField(field))
      ctx.violation(`${req.method} ${req.path}: "${field}" is a system field; the Table API does not update it`);
    else if (!['string', 'number', 'boolean'].includes(typeof value))
      ctx.violation(`${req.method} ${req.path}: "${field}" must be a string, not ${JSON.stringify(value)}`);
    else if (schema.type === 'choice' && state.choiceLabel(table, field, String(value)) === undefined)
      ctx.violation(`${req.method} ${req.path}: "${value}" is not a choice of ${table}.${field}`);
    else values[field] = String(value);
  }
  const mutation = state.updateIncident(row, req.user, values);
  if (mutation) ctx.emit(mutation);
  return { status: 200, body: { result: render(row) } };
}

function checkParams(kind: string, query: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!name.startsWith('sysparm_')) {
      if (kind !== 'list') problems.push(`unexpected query parameter "${name}"`);
      continue;
    }
    if (!ALLOWED[kind].includes(name)) problems.push(`${name} is not a parameter of this Table API method`);
    if (name === 'sysparm_display_value' && !['true', 'false', 'all'].includes(value))
      problems.push(`sysparm_display_value must be true, false or all, not "${value}"`);
    if (
      [
        'sysparm_exclude_reference_link',
        'sysparm_no_count',
        'sysparm_input_display_value',
        'sysparm_suppress_pagination_header',
      ].includes(name) &&
      !['true', 'false'].includes(value)
    ) {
      problems.push(`${name} must be true or false, not "${value}"`);
    }
    if (name === 'sysparm_limit' && !/^[1-9]\d*$/.test(value))
      problems.push(`sysparm_limit must be a positive number, not "${value}"`);
    if (name === 'sysparm_offset' && !/^\d+$/.test(value))
      problems.push(`sysparm_offset must be a number ≥ 0, not "${value}"`);
  }
  return problems;
}

/** A row as the Table API renders it, per sysparm_display_value and sysparm_exclude_reference_link. */
function renderRow(
  state: ServiceNowState,
  table: string,
  row: Row,
  fields: string[],
  req: ApiRequest,
): Record<string, unknown> {
  const mode = req.query.sysparm_display_value ?? 'false';
  const links = req.query.sysparm_exclude_reference_link !== 'true';
  const names = fields.length ? fields.filter((f) => state.schemaAt(table, f)) : Object.keys(TABLES[table].fields);
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const at = state.schemaAt(table, name);
    const isJournal = at?.field.type === 'journal';
    const value = isJournal ? '' : state.valueAt(table, row, name);
    const display = state.displayAt(table, row, name);
    const link =
      at?.field.type === 'reference' && at.field.ref && value && links && !name.includes('.')
        ? `${req.baseUrl}/api/now/table/${at.field.ref}/${value}`
        : undefined;
    if (mode === 'true') out[name] = link ? { display_value: display, link } : display;
    else if (mode === 'all') out[name] = { display_value: display, value, ...(link ? { link } : {}) };
    else out[name] = link ? { link, value } : value;
  }
  return out;
}
