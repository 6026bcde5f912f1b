/**
 * Shared fast-check arbitraries for the property tests: JSON with the keys Jira payloads use (and
 * keys that trip naive code, such as "toString" or "__proto__"), and mutations of real payloads.
 */
import fc from 'fast-check';

/** Keys real Jira payloads use, plus the ones that break `String(x)`, `x.y ?? z` and prototype code. */
export const JIRA_KEYS = [
  'webhookEvent',
  'issue',
  'id',
  'key',
  'self',
  'fields',
  'project',
  'status',
  'name',
  'issuetype',
  'user',
  'accountId',
  'displayName',
  'emailAddress',
  'comment',
  'author',
  'body',
  'changelog',
  'items',
  'toString',
  'valueOf',
  'toJSON',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'length',
] as const;

export const WEBHOOK_EVENTS = [
  'jira:issue_created',
  'jira:issue_updated',
  'jira:issue_deleted',
  'comment_created',
  'comment_updated',
  'board_created',
  '',
];

export const jsonKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...JIRA_KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/** Leaf values that matter to a Jira parser: ids as strings and numbers, huge numbers, odd strings. */
export const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1e308, 10001, 2 ** 53 + 1),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '10001',
    '0',
    '-1',
    '1e3',
    '007',
    ' 10001 ',
    '10001\n',
    'CRED-1',
    'CRED',
    'toString',
    '__proto__',
    '/issue/1/comment/2',
    'http://x/rest/api/2/issue/10013/comment/1',
  ),
  fc.nat().map(String),
);

/** JSON values (objects, arrays, leaves) built from the keys and leaves above. */
export const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(jsonKey, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Serialises without throwing: `JSON.stringify` of these values never meets a cycle or a BigInt. */
export const toJson = (v: unknown): string => JSON.stringify(v) ?? 'null';

type Path = (string | number)[];

/** Every path to a value inside a JSON document (objects and arrays), root excluded. */
export function paths(doc: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      const p = [...prefix, Array.isArray(doc) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

/** Values that break code which assumes a string or a plain object. */
export const hostile: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  { toString: 1 },
  { toString: {}, valueOf: {} },
  { valueOf: 1 },
  JSON.parse('{"__proto__": {"id": "10001"}}'),
  [],
  {},
  '',
  ' ',
  0,
  -1,
  1e21,
  true,
  null,
  '10001',
  'x'.repeat(5000),
);

/** The paths a Jira parser reads, so mutations hit them more often than a random one would. */
export const READ_PATHS: (string | number)[][] = [
  ['webhookEvent'],
  ['issue'],
  ['issue', 'id'],
  ['issue', 'key'],
  ['issue', 'fields'],
  ['issue', 'fields', 'project'],
  ['issue', 'fields', 'project', 'key'],
  ['comment'],
  ['comment', 'self'],
  ['comment', 'author'],
  ['user'],
  ['user', 'accountId'],
  ['user', 'name'],
  ['changelog'],
];

/** One change to a document at a path. */
export type Mutation =
  | { op: 'set'; path: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'retype'; at: number; to: 'string' | 'number' | 'array' | 'object' | 'null' | 'boolean' }
  | { op: 'insert'; at: number; key: string; value: unknown };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    path: fc.nat({ max: READ_PATHS.length - 1 }),
    value: fc.oneof(hostile, jsonish, fc.constant(undefined)),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: fc.oneof(hostile, jsonish, fc.anything()) }),
  fc.record({
    op: fc.constant('retype' as const),
    at: fc.nat(),
    to: fc.constantFrom('string', 'number', 'array', 'object', 'null', 'boolean') as fc.Arbitrary<'string'>,
  }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), key: jsonKey, value: jsonish }),
);

function retype(v: unknown, to: string): unknown {
  switch (to) {
    case 'string':
      return typeof v === 'string' ? `${v}x` : toJson(v);
    case 'number':
      return typeof v === 'number' ? -v - 1 : Number.parseFloat(String(typeof v === 'object' ? 7 : v)) || 42;
    case 'array':
      return [v];
    case 'object':
      return { value: v };
    case 'boolean':
      return !v;
    default:
      return null;
  }
}

/** Applies mutations to a deep copy of `doc` (paths are picked modulo the paths present then). */
/**
 * Values are copied as they are spliced in: a later mutation that edits an inserted value must not
 * edit the generated mutation itself (that made a value contain itself, which no JSON body can).
 */
function copy<T>(value: T): T {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

export function mutate(doc: unknown, mutations: Mutation[]): unknown {
  const root = { doc: structuredClone(doc) } as Record<string, unknown>;
  for (const m of mutations) {
    if (m.op === 'set') {
      // Creates the objects on the way, as a payload with the key in an unexpected place would.
      const path = ['doc', ...READ_PATHS[m.path]];
      let o = root as Record<string | number, unknown>;
      for (const k of path.slice(0, -1)) {
        if (!o[k] || typeof o[k] !== 'object') o[k] = {};
        o = o[k] as Record<string | number, unknown>;
      }
      Object.defineProperty(o, path[path.length - 1], {
        value: copy(m.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      continue;
    }
    const all = [['doc'] as Path, ...paths(root.doc, ['doc'])];
    const p = all[m.at % all.length];
    // A key set on an array (set above) is listed by paths() but not reachable by index: skip it.
    const parent = p
      .slice(0, -1)
      .reduce<unknown>(
        (o, k) => (o && typeof o === 'object' ? (o as Record<string | number, unknown>)[k] : undefined),
        root,
      ) as Record<string | number, unknown>;
    if (!parent || typeof parent !== 'object') continue;
    const last = p[p.length - 1];
    const current = parent[last];
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (last !== 'doc') delete parent[last];
    } else if (m.op === 'replace') {
      parent[last] = copy(m.value);
    } else if (m.op === 'retype') {
      parent[last] = retype(current, m.to);
    } else if (current && typeof current === 'object' && !Array.isArray(current)) {
      // defineProperty so "__proto__" becomes an own key, as JSON.parse makes it.
      Object.defineProperty(current, m.key, {
        value: copy(m.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root.doc;
}

/** Serialises a mutated document and maybe truncates or corrupts the bytes. */
export const bodyOf = (doc: unknown, cut: number | null): Buffer => {
  let text: string;
  try {
    text = JSON.stringify(doc) ?? 'null';
  } catch {
    text = '{"webhookEvent":"jira:issue_updated"';
  }
  const raw = Buffer.from(text, 'utf8');
  return cut === null ? raw : raw.subarray(0, Math.max(1, cut % (raw.length + 1)));
};
