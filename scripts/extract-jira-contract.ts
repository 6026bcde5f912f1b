/**
 * Extracts the slice of Jira's REST contract that credgate uses into test/fakes/jira/contract.json.
 *
 * Input: Atlassian's OpenAPI 3 description of the Jira Cloud platform REST API v3
 * (https://developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json; the copy we use is the
 * July 2022 snapshot kept by salto-io/jira-swaggers as platform-swagger.v3.json, stored at
 * /work/shared/jira/platform-openapi.v3.json).
 *
 * Re-run (from the repo root):
 *   npx tsx scripts/extract-jira-contract.ts [path/to/platform-openapi.v3.json] [path/to/contract.json]
 * and commit the regenerated test/fakes/jira/contract.json. Tests only read contract.json, never the spec.
 *
 * What is kept per operation: path template, method, parameters (name, in, required, type, items type,
 * enum), the JSON request-body schema with every $ref inlined (a recursive $ref becomes {}), and the
 * documented response status codes. Atlassian's prose (description, summary, example(s), title,
 * externalDocs, x-*) is dropped. Read-only properties become {readOnly: true}: Jira ignores them in
 * requests, so only their names matter (for additionalProperties: false).
 *
 * The fake serves each operation under /rest/api/3 and /rest/api/2. v2 differs only in rich-text
 * fields (plain strings instead of Atlassian Document Format), so an operation carries a `v2` block
 * only where v2's parameters or body differ. OVERRIDES below encode behaviour of the real service
 * that the spec does not state; each says why.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const DEFAULT_INPUT = '/work/shared/jira/platform-openapi.v3.json';
const DEFAULT_OUTPUT = resolve(__dirname, '../test/fakes/jira/contract.json');

/** The operations credgate uses (v3 paths, as in the spec). */
const WANTED: Array<[method: string, path: string]> = [
  ['get', '/rest/api/3/myself'],
  ['get', '/rest/api/3/issue/{issueIdOrKey}'],
  ['put', '/rest/api/3/issue/{issueIdOrKey}'],
  ['get', '/rest/api/3/issue/{issueIdOrKey}/changelog'],
  ['get', '/rest/api/3/issue/{issueIdOrKey}/comment'],
  ['post', '/rest/api/3/issue/{issueIdOrKey}/comment'],
  ['get', '/rest/api/3/issue/{issueIdOrKey}/transitions'],
  ['post', '/rest/api/3/issue/{issueIdOrKey}/transitions'],
  ['get', '/rest/api/3/user/groups'],
  // Not in the original list: Data Center has no /user/groups, so a user's groups come from
  // GET /user?username=...&expand=groups there.
  ['get', '/rest/api/3/user'],
  ['get', '/rest/api/3/group/member'],
  ['get', '/rest/api/3/search'],
  ['post', '/rest/api/3/search'],
  ['post', '/rest/api/3/issue'],
  // `credgate doctor`: the bot's permissions, the project's workflow statuses, the custom fields.
  ['get', '/rest/api/3/mypermissions'],
  ['get', '/rest/api/3/project/{projectIdOrKey}/statuses'],
  ['get', '/rest/api/3/field'],
];

// ---------------------------------------------------------------------------------------------
// Schema inlining

/** Keywords copied verbatim (their values are data, not schemas). Everything else is dropped. */
const VALUE_KEYWORDS = new Set([
  'type',
  'format',
  'enum',
  'default',
  'required',
  'nullable',
  'readOnly',
  'writeOnly',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'deprecated',
]);
const SCHEMA_KEYWORDS = new Set(['items', 'not', 'additionalProperties']);
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties']);

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Inliner {
  constructor(private readonly spec: JsonObject) {}

  lookup(ref: string): Json {
    if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
    let node: Json = this.spec;
    for (const raw of ref.slice(2).split('/')) {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(node) || !(part in node)) throw new Error(`dangling $ref: ${ref}`);
      node = node[part];
    }
    return node;
  }

  /** Follows a chain of $refs (for parameters and request bodies, which are not schemas). */
  deref(node: Json): Json {
    let current = node;
    while (isObject(current) && typeof current.$ref === 'string') current = this.lookup(current.$ref);
    return current;
  }

  schema(node: Json, stack: string[] = []): JsonObject {
    if (!isObject(node)) return {};
    if (typeof node.$ref === 'string') {
      // A $ref already being expanded further up would recurse forever: cut it to "anything".
      if (stack.includes(node.$ref)) return {};
      return this.schema(this.lookup(node.$ref), [...stack, node.$ref]);
    }
    // Jira ignores read-only properties in requests; keep the name, drop the (large) shape.
    if (node.readOnly === true) return { readOnly: true };
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(node)) {
      if (VALUE_KEYWORDS.has(key)) out[key] = value;
      else if (SCHEMA_KEYWORDS.has(key)) out[key] = typeof value === 'boolean' ? value : this.schema(value, stack);
      else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value))
        out[key] = value.map((v) => this.schema(v, stack));
      else if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
        const map: JsonObject = {};
        for (const [name, sub] of Object.entries(value)) map[name] = this.schema(sub, stack);
        out[key] = map;
      }
      // description, summary, example(s), title, externalDocs, discriminator, x-*: dropped.
    }
    return simplify(out);
  }
}

/** `{allOf: [X]}` with nothing but annotations beside it is just X. */
function simplify(schema: JsonObject): JsonObject {
  const { allOf, ...rest } = schema;
  if (Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0])) {
    const others = Object.keys(rest).filter((k) => k !== 'deprecated');
    if (others.length === 0) return allOf[0];
    if (others.every((k) => k === 'nullable') && typeof allOf[0].type === 'string') return { ...allOf[0], ...rest };
  }
  return schema;
}

// ---------------------------------------------------------------------------------------------
// Overrides: behaviour of the real service the spec leaves out

/** Minimal Atlassian Document Format document (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/). */
const ADF_NODE: JsonObject = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string' },
    text: { type: 'string' },
    content: { type: 'array', items: {} },
    attrs: { type: 'object' },
    marks: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } },
  },
};
const ADF_DOC: JsonObject = {
  type: 'object',
  required: ['type', 'version', 'content'],
  properties: {
    type: { const: 'doc' },
    version: { const: 1 },
    content: { type: 'array', items: ADF_NODE },
  },
};

interface Override {
  why: string;
  /** Builds the v3 request-body schema from the spec's schema. */
  body?: (schema: JsonObject) => JsonObject;
  /** Builds the v2 request-body schema from the spec's schema (v2 = v3 when absent). */
  v2Body?: (schema: JsonObject) => JsonObject;
  requiredBody?: boolean;
  v2Parameters?: (params: ContractParameter[]) => ContractParameter[];
  requiredOneOf?: string[][];
}

function withProperty(schema: JsonObject, name: string, sub: Json, required?: boolean): JsonObject {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const out: JsonObject = { ...schema, properties: { ...properties, [name]: sub } };
  if (required) {
    const req = Array.isArray(schema.required) ? schema.required : [];
    out.required = [...req.filter((r) => r !== name), name];
  }
  return out;
}

/** `fields.description` is a rich-text field: ADF in v3, a wiki-markup string in v2. */
function richDescription(kind: 'adf' | 'string') {
  return (schema: JsonObject): JsonObject => {
    const fields =
      isObject(schema.properties) && isObject(schema.properties.fields) ? schema.properties.fields : { type: 'object' };
    const description: JsonObject =
      kind === 'adf' ? { ...ADF_DOC, nullable: true } : { type: 'string', nullable: true };
    return withProperty(schema, 'fields', withProperty(fields, 'description', description));
  };
}

function requireTransitionId(schema: JsonObject): JsonObject {
  const t =
    isObject(schema.properties) && isObject(schema.properties.transition)
      ? schema.properties.transition
      : { type: 'object' };
  return withProperty(schema, 'transition', withProperty(t, 'id', { type: 'string' }, true), true);
}

const OVERRIDES: Record<string, Override> = {
  addComment: {
    why: 'The spec types Comment.body as anything and not required; Jira rejects a missing body ("Comment body can not be empty!") and, in v3, a body that is not an ADF document ("Comment body is not valid!"). In v2 the body is a wiki-markup string.',
    requiredBody: true,
    body: (s) => withProperty(s, 'body', ADF_DOC, true),
    v2Body: (s) => withProperty(s, 'body', { type: 'string' }, true),
  },
  doTransition: {
    why: 'The spec reuses IssueUpdateDetails, where transition is optional; Jira needs transition.id to know what to do.',
    requiredBody: true,
    body: (s) => richDescription('adf')(requireTransitionId(s)),
    v2Body: (s) => richDescription('string')(requireTransitionId(s)),
  },
  editIssue: {
    why: 'fields.description is ADF in v3 and a string in v2.',
    requiredBody: true,
    body: richDescription('adf'),
    v2Body: richDescription('string'),
  },
  createIssue: {
    why: 'fields.description is ADF in v3 and a string in v2.',
    requiredBody: true,
    body: richDescription('adf'),
    v2Body: richDescription('string'),
  },
  getUserGroups: {
    why: 'v3 requires accountId. v2 on Data Center identifies users by username (or key); Jira answers 400 when none is given.',
    v2Parameters: (params) => params.map((p) => (p.name === 'accountId' ? { ...p, required: false } : p)),
  },
  getUser: {
    why: 'No parameter is marked required, but Jira needs one of accountId, username (DC) or key to know whom to return.',
    requiredOneOf: [['accountId', 'username', 'key']],
  },
  getMyPermissions: {
    why: 'The spec marks no parameter required, but since 2019 Jira answers 400 without `permissions` (x-changes: "required", effective 2019-02-01).',
    requiredOneOf: [['permissions']],
  },
  getUsersFromGroup: {
    why: 'Neither groupname nor groupId is marked required, but Jira answers 400 unless one is given.',
    requiredOneOf: [['groupname', 'groupId']],
  },
};
// getUserGroups v2: one of accountId/username/key (set here, not in OVERRIDES, because it is v2-only).
const V2_REQUIRED_ONE_OF: Record<string, string[][]> = { getUserGroups: [['accountId', 'username', 'key']] };

/**
 * Operations the 2022 snapshot does not have. Atlassian replaced GET/POST /rest/api/3/search with
 * /rest/api/3/search/jql (https://developer.atlassian.com/changelog/#CHANGE-2046) and is removing the
 * old endpoints from Cloud; jira.js 5 marks searchForIssuesUsingJql deprecated. Written by hand from
 * the current reference so credgate can move to it.
 */
const SEARCH_JQL_BODY: JsonObject = {
  type: 'object',
  required: ['jql'],
  additionalProperties: false,
  properties: {
    jql: { type: 'string' },
    nextPageToken: { type: 'string' },
    maxResults: { type: 'integer', format: 'int32' },
    fields: { type: 'array', items: { type: 'string' } },
    expand: { type: 'string' },
    properties: { type: 'array', items: { type: 'string' } },
    fieldsByKeys: { type: 'boolean' },
    failFast: { type: 'boolean' },
    reconcileIssues: { type: 'array', items: { type: 'integer', format: 'int64' } },
  },
};

/**
 * Jira Service Management's REST API (/rest/servicedeskapi) is a separate product with its own
 * description, not part of the platform spec this script reads. Its approval operations are written
 * by hand from the reference,
 * https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/ (and the
 * ApprovalDecisionRequestDTO there): credgate reads approvals; people answer them.
 */
const SERVICEDESK_WHY =
  'Jira Service Management (servicedeskapi), not in the platform spec: added by hand from the JSM Cloud REST reference, api-group-request.';
const ISSUE_ID_OR_KEY: ContractParameter = { name: 'issueIdOrKey', in: 'path', required: true, type: 'string' };
const APPROVAL_ID: ContractParameter = { name: 'approvalId', in: 'path', required: true, type: 'integer' };
const SERVICEDESK_PAGE: ContractParameter[] = [
  { name: 'start', in: 'query', required: false, type: 'integer' },
  { name: 'limit', in: 'query', required: false, type: 'integer' },
];
/** The DTO marks `decision` optional; an answer without one decides nothing, so JSM needs it. */
const APPROVAL_DECISION_BODY: JsonObject = {
  type: 'object',
  required: ['decision'],
  properties: { decision: { type: 'string', enum: ['approve', 'decline'] } },
};

function serviceDeskOperations(): ContractOperation[] {
  const base = '/rest/servicedeskapi/request/{issueIdOrKey}/approval';
  return [
    {
      operationId: 'getApprovals',
      method: 'GET',
      path: base,
      source: 'manual',
      parameters: [ISSUE_ID_OR_KEY, ...SERVICEDESK_PAGE],
      responses: ['200', '401', '403', '404'],
      override: SERVICEDESK_WHY,
    },
    {
      operationId: 'getApprovalById',
      method: 'GET',
      path: `${base}/{approvalId}`,
      source: 'manual',
      parameters: [ISSUE_ID_OR_KEY, APPROVAL_ID],
      responses: ['200', '401', '403', '404'],
      override: SERVICEDESK_WHY,
    },
    {
      operationId: 'answerApproval',
      method: 'POST',
      path: `${base}/{approvalId}`,
      source: 'manual',
      parameters: [ISSUE_ID_OR_KEY, APPROVAL_ID],
      requestBody: { required: true, schema: APPROVAL_DECISION_BODY },
      responses: ['200', '400', '401', '403', '404'],
      override: SERVICEDESK_WHY,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Extraction

interface ContractParameter {
  name: string;
  in: string;
  required: boolean;
  type?: string;
  items?: string;
  enum?: Json[];
}

interface ContractOperation {
  operationId: string;
  method: string;
  path: string;
  source: 'spec' | 'manual';
  parameters: ContractParameter[];
  requiredOneOf?: string[][];
  requestBody?: { required: boolean; schema: JsonObject };
  responses: string[];
  override?: string;
  v2?: {
    parameters?: ContractParameter[];
    requiredOneOf?: string[][];
    requestBody?: { required: boolean; schema: JsonObject };
  };
}

function toParameter(inliner: Inliner, raw: Json): ContractParameter {
  const p = inliner.deref(raw);
  if (!isObject(p) || typeof p.name !== 'string' || typeof p.in !== 'string')
    throw new Error(`bad parameter ${JSON.stringify(raw)}`);
  const schema = inliner.schema(p.schema ?? {});
  const out: ContractParameter = { name: p.name, in: p.in, required: p.required === true };
  if (typeof schema.type === 'string') out.type = schema.type;
  if (isObject(schema.items) && typeof schema.items.type === 'string') out.items = schema.items.type;
  if (Array.isArray(schema.enum)) out.enum = schema.enum;
  return out;
}

function extract(spec: JsonObject): ContractOperation[] {
  const inliner = new Inliner(spec);
  const paths = spec.paths;
  if (!isObject(paths)) throw new Error('spec has no paths');
  const operations: ContractOperation[] = [];
  for (const [method, path] of WANTED) {
    const item = paths[path];
    const op = isObject(item) ? item[method] : undefined;
    if (!isObject(item) || !isObject(op)) throw new Error(`${method.toUpperCase()} ${path} is not in the spec`);
    const operationId = String(op.operationId);
    const rawParams = [
      ...(Array.isArray(item.parameters) ? item.parameters : []),
      ...(Array.isArray(op.parameters) ? op.parameters : []),
    ];
    const parameters = rawParams.map((p) => toParameter(inliner, p));
    const entry: ContractOperation = {
      operationId,
      method: method.toUpperCase(),
      path,
      source: 'spec',
      parameters,
      responses: Object.keys(isObject(op.responses) ? op.responses : {}).sort(),
    };
    const body = inliner.deref(op.requestBody ?? null);
    const override = OVERRIDES[operationId];
    if (isObject(body) && isObject(body.content) && isObject(body.content['application/json'])) {
      const schema = inliner.schema(body.content['application/json'].schema ?? {});
      const required = body.required === true || override?.requiredBody === true;
      const v3 = override?.body ? override.body(schema) : schema;
      entry.requestBody = { required, schema: v3 };
      const v2 = override?.v2Body ? override.v2Body(schema) : v3;
      if (JSON.stringify(v2) !== JSON.stringify(v3)) entry.v2 = { requestBody: { required, schema: v2 } };
    }
    if (override?.requiredOneOf) entry.requiredOneOf = override.requiredOneOf;
    if (override?.v2Parameters) entry.v2 = { ...entry.v2, parameters: override.v2Parameters(parameters) };
    if (V2_REQUIRED_ONE_OF[operationId]) entry.v2 = { ...entry.v2, requiredOneOf: V2_REQUIRED_ONE_OF[operationId] };
    if (override) entry.override = override.why;
    operations.push(entry);
  }
  const searchParams: ContractParameter[] = [
    { name: 'jql', in: 'query', required: true, type: 'string' },
    { name: 'nextPageToken', in: 'query', required: false, type: 'string' },
    { name: 'maxResults', in: 'query', required: false, type: 'integer' },
    { name: 'fields', in: 'query', required: false, type: 'array', items: 'string' },
    { name: 'expand', in: 'query', required: false, type: 'string' },
    { name: 'properties', in: 'query', required: false, type: 'array', items: 'string' },
    { name: 'fieldsByKeys', in: 'query', required: false, type: 'boolean' },
    { name: 'failFast', in: 'query', required: false, type: 'boolean' },
    { name: 'reconcileIssues', in: 'query', required: false, type: 'array', items: 'integer' },
  ];
  const why = 'Not in the 2022 snapshot: replacement for /search (CHANGE-2046), added by hand.';
  operations.push(
    {
      operationId: 'searchAndReconsileIssuesUsingJql',
      method: 'GET',
      path: '/rest/api/3/search/jql',
      source: 'manual',
      parameters: searchParams,
      responses: ['200', '400', '401'],
      override: why,
    },
    {
      operationId: 'searchAndReconsileIssuesUsingJqlPost',
      method: 'POST',
      path: '/rest/api/3/search/jql',
      source: 'manual',
      parameters: [],
      requestBody: { required: true, schema: SEARCH_JQL_BODY },
      responses: ['200', '400', '401'],
      override: why,
    },
    ...serviceDeskOperations(),
  );
  return operations;
}

function main(): void {
  const input = process.argv[2] ?? DEFAULT_INPUT;
  const output = process.argv[3] ?? DEFAULT_OUTPUT;
  const raw = readFileSync(input);
  const spec = JSON.parse(raw.toString('utf8')) as Json;
  if (!isObject(spec) || !isObject(spec.info)) throw new Error(`${input} is not an OpenAPI document`);
  const contract = {
    generatedBy: 'scripts/extract-jira-contract.ts (do not edit by hand; re-run the script)',
    source: {
      title: spec.info.title ?? null,
      version: spec.info.version ?? null,
      openapi: spec.openapi ?? null,
      sha256: createHash('sha256').update(raw).digest('hex'),
    },
    apiVersions: {
      '3': 'paths as listed; rich-text fields (comment body, description) are Atlassian Document Format',
      '2': "same paths with /rest/api/2; rich-text fields are wiki-markup strings; an operation's `v2` block replaces its parameters, requiredOneOf or requestBody",
      servicedeskapi: 'paths under /rest/servicedeskapi (Jira Service Management) have one version and no `v2` block',
    },
    operations: extract(spec),
  };
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(contract, null, 2)}\n`);
  console.log(`wrote ${contract.operations.length} operations to ${output}`);
}

main();
