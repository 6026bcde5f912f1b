/**
 * NinjaOne's own OpenAPI description (test/fixtures/ninjaone/) as a contract: finds the operation a
 * request names (path and method) and validates its body with ajv against the operation's request
 * schema, `$ref`s resolved inside the vendor's document. Nothing here is written by hand per endpoint.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export const OPENAPI_FILE = join(__dirname, '../../fixtures/ninjaone/ninjaone-public-api-2.0.yaml');

interface Operation {
  operationId: string;
  method: string;
  path: string;
  pattern: RegExp;
  names: string[];
  /** Media type → validator of the request body (JSON, or each multipart part that is an object). */
  bodies: Map<string, ValidateFunction>;
  /** Multipart parts by name → validator, for parts whose schema is an object. */
  parts: Map<string, ValidateFunction>;
  bodyRequired: boolean;
  query: Map<string, { type?: string; enum?: unknown[]; minimum?: number; maximum?: number }>;
}

export type Match =
  | { kind: 'ok'; operation: Operation; params: Record<string, string> }
  | { kind: 'unknown-path' }
  | { kind: 'method-not-allowed'; allowed: string[] };

type Schema = Record<string, unknown>;

/**
 * Where the description contradicts what the API is documented to take, and why. Custom field
 * values are generated as `additionalProperties: {type: object}` (Java's Map<String, Object>),
 * yet text fields take strings and null clears a value (NinjaOne's custom field documentation).
 */
const BODY_OVERRIDES: Record<string, Schema> = {
  updateNodeAttributeValues: {
    type: 'object',
    additionalProperties: { type: ['string', 'number', 'boolean', 'object', 'null'] },
  },
};

export class OpenApiContract {
  private readonly operations: Operation[] = [];
  private readonly ajv: Ajv;

  constructor(file = OPENAPI_FILE) {
    const doc = parse(readFileSync(file, 'utf8')) as {
      paths: Record<string, Record<string, Schema>>;
      components: { schemas: Record<string, Schema> };
    };
    // strict: false: OpenAPI 3.0 schemas carry keywords JSON Schema lacks (example, nullable beside $ref).
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    for (const f of ['int32', 'int64', 'double', 'float', 'binary', 'byte']) this.ajv.addFormat(f, true);
    this.ajv.addSchema({ $id: 'ninjaone', components: doc.components });
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names: string[] = [];
      const source = path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      for (const [method, op] of Object.entries(ops)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
        const bodies = new Map<string, ValidateFunction>();
        const parts = new Map<string, ValidateFunction>();
        const rb = op.requestBody as { content?: Record<string, { schema?: Schema }>; required?: boolean } | undefined;
        for (const [type, media] of Object.entries(rb?.content ?? {})) {
          if (!media.schema) continue;
          if (type === 'multipart/form-data') {
            const props = (media.schema.properties ?? {}) as Record<string, Schema>;
            for (const [part, schema] of Object.entries(props))
              if (schema.$ref || schema.type === 'object') parts.set(part, this.compile(schema));
          } else bodies.set(type, this.compile(BODY_OVERRIDES[String(op.operationId)] ?? media.schema));
        }
        const query = new Map<string, { type?: string; enum?: unknown[] }>();
        for (const p of (op.parameters ?? []) as { name: string; in: string; schema?: Schema }[])
          if (p.in === 'query') query.set(p.name, (p.schema ?? {}) as { type?: string; enum?: unknown[] });
        this.operations.push({
          operationId: String(op.operationId),
          method: method.toUpperCase(),
          path,
          pattern: new RegExp(`^${source}$`),
          names,
          bodies,
          parts,
          bodyRequired: Boolean(rb?.required),
          query,
        });
      }
    }
  }

  /** Rewrites local refs to the document registered as "ninjaone", so they resolve there. */
  private compile(schema: Schema): ValidateFunction {
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (node && typeof node === 'object') {
        return Object.fromEntries(
          Object.entries(node).map(([k, v]) => [
            k,
            k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `ninjaone${v}` : rewrite(v),
          ]),
        );
      }
      return node;
    };
    return this.ajv.compile(rewrite(schema) as Schema);
  }

  /**
   * The operation for a method and path. Literal segments win over parameters, as NinjaOne's router
   * does (`/v2/user/technicians` is not `/v2/user/technician/{id}`).
   */
  match(method: string, path: string): Match {
    const hits = this.operations.filter((o) => o.pattern.test(path)).sort((a, b) => a.names.length - b.names.length);
    if (!hits.length) return { kind: 'unknown-path' };
    const fewest = hits[0].names.length;
    const best = hits.filter((o) => o.names.length === fewest);
    const op = best.find((o) => o.method === method);
    if (!op) return { kind: 'method-not-allowed', allowed: best.map((o) => o.method) };
    const values = op.pattern.exec(path)!.slice(1);
    return {
      kind: 'ok',
      operation: op,
      params: Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(values[i])])),
    };
  }

  /** Problems with the query parameters: unknown names, values of the wrong type or out of range. */
  queryProblems(op: Operation, query: Record<string, string>): string[] {
    const problems: string[] = [];
    for (const [name, value] of Object.entries(query)) {
      const p = op.query.get(name);
      if (!p) {
        problems.push(`unknown query parameter "${name}"`);
        continue;
      }
      if (p.type === 'integer' && !/^-?\d+$/.test(value)) problems.push(`${name}: expected an integer`);
      if (p.type === 'boolean' && !/^(true|false)$/.test(value)) problems.push(`${name}: expected true or false`);
      if (p.enum && !p.enum.includes(value)) problems.push(`${name}: expected one of ${p.enum.join(', ')}`);
      const n = Number(value);
      if (p.minimum !== undefined && n < p.minimum) problems.push(`${name}: below ${p.minimum}`);
      if (p.maximum !== undefined && n > p.maximum) problems.push(`${name}: above ${p.maximum}`);
    }
    return problems;
  }

  /** Problems with a JSON body under its media type (`*\/*` operations take JSON too). */
  bodyProblems(op: Operation, contentType: string, body: unknown, hasBody: boolean): string[] {
    if (!op.bodies.size) return hasBody ? [`${op.method} ${op.path} takes no JSON body`] : [];
    if (!hasBody) return op.bodyRequired ? ['the request body is required'] : [];
    const type = contentType.split(';')[0].trim().toLowerCase();
    const validate = op.bodies.get(type) ?? op.bodies.get('*/*');
    if (!validate) return [`content type "${type}" is not accepted; expected ${[...op.bodies.keys()].join(', ')}`];
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message}`);
  }

  /** Problems with one multipart part whose schema is an object (sent as JSON). */
  partProblems(op: Operation, part: string, value: unknown): string[] {
    const validate = op.parts.get(part);
    if (!validate) return [];
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `part "${part}"${e.instancePath} ${e.message}`);
  }

  acceptsMultipart(op: Operation): boolean {
    return op.parts.size > 0;
  }
}
