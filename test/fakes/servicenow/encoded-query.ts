/**
 * The subset of ServiceNow encoded queries credgate may send (sysparm_query): conditions joined by
 * `^` (AND) and `^OR`, the operators =, !=, IN, NOT IN, LIKE, STARTSWITH, ENDSWITH, ISEMPTY,
 * ISNOTEMPTY, dot-walked fields, and ORDERBY / ORDERBYDESC.
 * https://www.servicenow.com/docs/r/api-reference/rest-apis/c_TableAPI.html (sysparm_query)
 *
 * Real ServiceNow silently ignores a condition on a field the table lacks, returning more rows
 * than asked: the fake reports such a condition as a problem instead, so the caller records it.
 */
export interface Condition {
  field: string;
  op: string;
  value: string;
}

export interface ParsedQuery {
  /** OR-groups of conditions, ANDed together. */
  groups: Condition[][];
  order: { field: string; desc: boolean }[];
  problems: string[];
}

const OPERATORS = [
  'NOT IN',
  'ISNOTEMPTY',
  'ISEMPTY',
  'STARTSWITH',
  'ENDSWITH',
  'LIKE',
  'IN',
  '!=',
  '>=',
  '<=',
  '=',
  '>',
  '<',
];

export function parseEncodedQuery(query: string, knownField: (path: string) => boolean): ParsedQuery {
  const parsed: ParsedQuery = { groups: [], order: [], problems: [] };
  if (!query.trim()) return parsed;
  for (const token of query.split('^')) {
    if (!token) continue;
    const orderBy = /^ORDERBY(DESC)?([a-z_][a-z0-9_.]*)$/.exec(token);
    if (orderBy) {
      if (!knownField(orderBy[2])) parsed.problems.push(`ORDERBY on unknown field "${orderBy[2]}"`);
      parsed.order.push({ field: orderBy[2], desc: Boolean(orderBy[1]) });
      continue;
    }
    if (token === 'NQ' || token.startsWith('NQ')) {
      parsed.problems.push('the fake does not support ^NQ (new query) in sysparm_query');
      continue;
    }
    const isOr = /^OR[a-z_]/.test(token);
    const text = isOr ? token.slice(2) : token;
    const condition = parseCondition(text);
    if (!condition) {
      parsed.problems.push(`cannot read the condition "${token}"`);
      continue;
    }
    if (!knownField(condition.field))
      parsed.problems.push(
        `condition on unknown field "${condition.field}" (ServiceNow would ignore it and return more rows)`,
      );
    if (isOr && parsed.groups.length) parsed.groups[parsed.groups.length - 1].push(condition);
    else parsed.groups.push([condition]);
  }
  return parsed;
}

function parseCondition(text: string): Condition | null {
  const m = /^([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)(.*)$/.exec(text);
  if (!m) return null;
  const rest = m[2];
  for (const op of OPERATORS) {
    if (rest.startsWith(op)) return { field: m[1], op, value: rest.slice(op.length) };
  }
  return null;
}

export function matches(condition: Condition, actual: string): boolean {
  const { op, value } = condition;
  switch (op) {
    case '=':
      return actual === value;
    case '!=':
      return actual !== value;
    case 'IN':
      return value.split(',').includes(actual);
    case 'NOT IN':
      return !value.split(',').includes(actual);
    case 'LIKE':
      return actual.toLowerCase().includes(value.toLowerCase());
    case 'STARTSWITH':
      return actual.toLowerCase().startsWith(value.toLowerCase());
    case 'ENDSWITH':
      return actual.toLowerCase().endsWith(value.toLowerCase());
    case 'ISEMPTY':
      return actual === '';
    case 'ISNOTEMPTY':
      return actual !== '';
    default: {
      const [a, b] = [Number(actual), Number(value)];
      const [x, y] = Number.isNaN(a) || Number.isNaN(b) ? [actual, value] : [a, b];
      return op === '>' ? x > y : op === '<' ? x < y : op === '>=' ? x >= y : x <= y;
    }
  }
}

/** Rows matching every group (a group matches when any of its conditions does), in the query's order. */
export function applyQuery<R>(rows: R[], query: ParsedQuery, get: (row: R, path: string) => string): R[] {
  const hit = rows.filter((r) => query.groups.every((g) => g.some((c) => matches(c, get(r, c.field)))));
  if (!query.order.length) return hit;
  return hit
    .map((r, i) => ({ r, i }))
    .sort((x, y) => {
      for (const o of query.order) {
        const [a, b] = [get(x.r, o.field), get(y.r, o.field)];
        if (a !== b) return (a < b ? -1 : 1) * (o.desc ? -1 : 1);
      }
      return x.i - y.i;
    })
    .map(({ r }) => r);
}
