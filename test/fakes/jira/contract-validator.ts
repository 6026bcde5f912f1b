/**
 * Checks requests against contract.json (extracted from Atlassian's OpenAPI description by
 * scripts/extract-jira-contract.ts): path and method, query parameters, JSON request body. Platform
 * operations are served under /rest/api/2 and /rest/api/3; Jira Service Management operations under
 * /rest/servicedeskapi, which has one version: they carry no `v2` block and are checked as v3.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export type ApiVersion = 2 | 3;

export interface ContractParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  type?: string;
  items?: string;
  enum?: unknown[];
}

interface ContractBody {
  required: boolean;
  schema: Record<string, unknown>;
}

export interface ContractOperation {
  operationId: string;
  method: string;
  path: string;
  source: 'spec' | 'manual';
  parameters: ContractParameter[];
  requiredOneOf?: string[][];
  requestBody?: ContractBody;
  responses: string[];
  v2?: { parameters?: ContractParameter[]; requiredOneOf?: string[][]; requestBody?: ContractBody };
}

export interface Contract {
  source: { title: string | null; version: string | null; sha256: string };
  operations: ContractOperation[];
}

export type RouteMatch =
  | { kind: 'ok'; operation: ContractOperation; version: ApiVersion; pathParams: Record<string, string> }
  | { kind: 'unknown-path' }
  | { kind: 'method-not-allowed'; allowed: string[] };

/** A problem with a request, with the field Jira would name in `errors` when it names one. */
export interface ContractProblem {
  message: string;
  field?: string;
}

interface CompiledRoute {
  operation: ContractOperation;
  pattern: RegExp;
  names: string[];
}

export function loadContract(file = join(__dirname, 'contract.json')): Contract {
  return JSON.parse(readFileSync(file, 'utf8')) as Contract;
}

export class ContractValidator {
  private readonly routes: CompiledRoute[];
  private readonly ajv: Ajv;
  private readonly bodyValidators = new Map<string, ValidateFunction>();

  constructor(readonly contract: Contract = loadContract()) {
    // strict: false because OpenAPI 3.0 schemas carry keywords JSON Schema lacks (readOnly-only subschemas, nullable).
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.routes = contract.operations.map((operation) => {
      const names: string[] = [];
      const source = operation.path
        .replace(/^\/rest\/api\/3\//, '/rest/api/(?:2|3)/')
        .replace(/\{(\w+)\}/g, (_m, name: string) => {
          names.push(name);
          return '([^/]+)';
        });
      return { operation, names, pattern: new RegExp(`^${source}/?$`) };
    });
  }

  match(method: string, path: string): RouteMatch {
    const version =
      /^\/rest\/api\/([23])\//.exec(path)?.[1] ?? (path.startsWith('/rest/servicedeskapi/') ? '3' : undefined);
    const candidates = this.routes.filter((r) => r.pattern.test(path));
    if (!version || candidates.length === 0) return { kind: 'unknown-path' };
    const route = candidates.find((r) => r.operation.method === method.toUpperCase());
    if (!route) return { kind: 'method-not-allowed', allowed: candidates.map((r) => r.operation.method) };
    const values = route.pattern.exec(path)?.slice(1) ?? [];
    const pathParams: Record<string, string> = {};
    route.names.forEach((name, i) => {
      pathParams[name] = decodeURIComponent(values[i] ?? '');
    });
    return { kind: 'ok', operation: route.operation, version: Number(version) as ApiVersion, pathParams };
  }

  /** Query parameters: required ones present, values of the declared type and enum. Unknown ones are ignored, as Jira does. */
  checkQuery(
    operation: ContractOperation,
    version: ApiVersion,
    query: Record<string, string | string[]>,
  ): ContractProblem[] {
    const problems: ContractProblem[] = [];
    const params = (version === 2 && operation.v2?.parameters) || operation.parameters;
    for (const param of params.filter((p) => p.in === 'query')) {
      const raw = query[param.name];
      if (raw === undefined) {
        if (param.required)
          problems.push({ field: param.name, message: `The '${param.name}' query parameter is required.` });
        continue;
      }
      const values = Array.isArray(raw) ? raw : [raw];
      const type = param.type === 'array' ? param.items : param.type;
      for (const value of param.type === 'array' ? values : values.slice(0, 1)) {
        const problem = checkScalar(value, type, param.enum);
        if (problem)
          problems.push({
            field: param.name,
            message: `The '${param.name}' query parameter ${problem} (got '${value}').`,
          });
      }
    }
    const oneOf = (version === 2 && operation.v2?.requiredOneOf) || operation.requiredOneOf || [];
    for (const group of oneOf) {
      if (!group.some((name) => query[name] !== undefined)) {
        problems.push({
          message: `One of the query parameters ${group.map((n) => `'${n}'`).join(', ')} must be provided.`,
        });
      }
    }
    return problems;
  }

  /** The JSON body (already parsed; `undefined` when the request had none) against the operation's schema. */
  checkBody(operation: ContractOperation, version: ApiVersion, body: unknown): ContractProblem[] {
    const spec = (version === 2 && operation.v2?.requestBody) || operation.requestBody;
    if (!spec) return [];
    if (body === undefined)
      return spec.required ? [{ message: 'No content to map to Object due to end of input' }] : [];
    const key = `${operation.operationId}@${version}`;
    let validate = this.bodyValidators.get(key);
    if (!validate) {
      validate = this.ajv.compile(spec.schema);
      this.bodyValidators.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(toProblem);
  }
}

function checkScalar(value: string, type: string | undefined, allowed: unknown[] | undefined): string | undefined {
  if (type === 'integer' && !/^-?\d+$/.test(value)) return 'must be an integer';
  if (type === 'number' && Number.isNaN(Number(value))) return 'must be a number';
  if (type === 'boolean' && value !== 'true' && value !== 'false') return "must be 'true' or 'false'";
  if (allowed && !allowed.map(String).includes(value)) return `must be one of ${allowed.map(String).join(', ')}`;
  return undefined;
}

/** Jira names the offending field in `errors` (fields.X → X); the message keeps the full path. */
function toProblem(error: ErrorObject): ContractProblem {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const segments = error.instancePath.split('/').filter(Boolean);
  if (params.missingProperty) segments.push(params.missingProperty);
  if (params.additionalProperty) segments.push(params.additionalProperty);
  const field = segments[0] === 'fields' && segments.length > 1 ? segments[1] : segments[0];
  const where = error.instancePath === '' ? 'body' : `body${error.instancePath.replace(/\//g, '.')}`;
  const extra = params.additionalProperty ? ` ('${params.additionalProperty}')` : '';
  return { field, message: `${where} ${error.message ?? 'is invalid'}${extra}` };
}
