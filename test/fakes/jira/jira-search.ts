/** Evaluates the fake's JQL subset (jql.ts) against its issues, with Jira's validation errors. */
import type { IssueState, JiraState } from './jira-state';
import { displayString } from './jira-state';
import { JqlError, parseJql, type JqlExpr, type JqlValue } from './jql';
import { plainText } from './jira-format';

const KNOWN_FIELDS =
  'project, status, key, issuekey, id, labels, reporter, assignee, creator, type, issuetype, statusCategory, summary, description, text, comment, created, updated';

interface Field {
  name: string;
  values: (issue: IssueState) => string[];
  /** Jira rejects the whole query when a value does not exist (status, project, issue key). */
  check?: (value: string) => string | undefined;
  kind: 'value' | 'text' | 'date';
}

function resolveField(state: JiraState, raw: string, fieldNames: Record<string, string>): Field {
  const name = raw.toLowerCase();
  switch (name) {
    case 'project':
      return {
        name: raw,
        kind: 'value',
        values: (i) => {
          const p = state.ensureProject(i.projectKey);
          return [p.key, p.id, p.name];
        },
        check: (v) => (state.project(v) ? undefined : `The value '${v}' does not exist for the field '${raw}'.`),
      };
    case 'status':
      return {
        name: raw,
        kind: 'value',
        values: (i) => [i.status, state.statusId(i.status)],
        check: (v) =>
          state.statusName(v) || state.statusById(v)
            ? undefined
            : `The value '${v}' does not exist for the field '${raw}'.`,
      };
    case 'key':
    case 'issuekey':
    case 'id':
      return {
        name: raw,
        kind: 'value',
        values: (i) => [i.key, i.id],
        check: (v) => {
          if (!/^[A-Za-z][A-Za-z0-9_]*-\d+$/.test(v) && !/^\d+$/.test(v))
            return `The issue key '${v}' for field '${raw}' is invalid.`;
          return state.findIssue(v) ? undefined : `An issue with key '${v}' does not exist for field '${raw}'.`;
        },
      };
    case 'labels':
      return { name: raw, kind: 'value', values: (i) => i.labels };
    case 'reporter':
    case 'assignee':
    case 'creator': {
      const id = (i: IssueState): string | null =>
        name === 'reporter' ? i.reporterId : name === 'creator' ? i.creatorId : i.assigneeId;
      return {
        name: raw,
        kind: 'value',
        values: (i) => {
          const accountId = id(i);
          const username = accountId === null ? undefined : state.user(accountId)?.name;
          return [accountId, username].filter((x): x is string => typeof x === 'string');
        },
      };
    }
    case 'type':
    case 'issuetype':
      return { name: raw, kind: 'value', values: (i) => [i.issueType, state.issueTypeId(i.issueType)] };
    case 'statuscategory':
      return { name: raw, kind: 'value', values: (i) => [state.statusCategory(i.status)] };
    case 'summary':
      return { name: raw, kind: 'text', values: (i) => [i.summary] };
    case 'description':
      return { name: raw, kind: 'text', values: (i) => [plainText(i.description) ?? ''] };
    case 'text':
      return {
        name: raw,
        kind: 'text',
        values: (i) => [i.summary, plainText(i.description) ?? '', ...i.comments.map((c) => plainText(c.body) ?? '')],
      };
    case 'comment':
      return { name: raw, kind: 'text', values: (i) => i.comments.map((c) => plainText(c.body) ?? '') };
    case 'created':
    case 'createddate':
      return { name: raw, kind: 'date', values: (i) => [i.created] };
    case 'updated':
    case 'updateddate':
      return { name: raw, kind: 'date', values: (i) => [i.updated] };
  }
  const cf = /^cf\[(\d+)\]$/i.exec(raw) ?? /^customfield_(\d+)$/i.exec(raw);
  const byName = Object.entries(fieldNames).find(([, label]) => label.toLowerCase() === name)?.[0];
  const fieldId = cf ? `customfield_${cf[1]}` : byName;
  if (!fieldId) {
    throw new JqlError(
      `Field '${raw}' does not exist or you do not have permission to view it. (fake Jira knows: ${KNOWN_FIELDS}, cf[N], customfield_N and the names in fieldNames)`,
    );
  }
  return {
    name: raw,
    kind: 'value',
    values: (i) => {
      const value = i.extra[fieldId];
      const parts = Array.isArray(value) ? value : [value];
      return parts.map(displayString).filter((x): x is string => x !== null);
    },
  };
}

function parseDate(text: string, now: Date): number {
  const relative = /^([-+]?\d+)([mhdw])$/.exec(text);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'm' | 'h' | 'd' | 'w'];
    return now.getTime() + Number(relative[1]) * unit;
  }
  const normalized = text
    .replace(/\//g, '-')
    .replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/, '$1T$2:00Z')
    .replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(normalized) ? `${normalized}T00:00:00Z` : normalized);
  if (Number.isNaN(ms))
    throw new JqlError(
      `Date value '${text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.`,
    );
  return ms;
}

function valueText(state: JiraState, value: JqlValue): string | null {
  if (value.kind === 'empty') return null;
  if (value.kind === 'function') {
    if (value.name.toLowerCase() === 'currentuser') return state.serviceAccountId;
    throw new JqlError(`Unable to find JQL function '${value.name}()'.`);
  }
  return value.text;
}

type Predicate = (issue: IssueState) => boolean;

function compile(state: JiraState, expr: JqlExpr, fieldNames: Record<string, string>): Predicate {
  switch (expr.kind) {
    case 'all':
      return () => true;
    case 'and': {
      const l = compile(state, expr.left, fieldNames);
      const r = compile(state, expr.right, fieldNames);
      return (i) => l(i) && r(i);
    }
    case 'or': {
      const l = compile(state, expr.left, fieldNames);
      const r = compile(state, expr.right, fieldNames);
      return (i) => l(i) || r(i);
    }
    case 'not': {
      const e = compile(state, expr.expr, fieldNames);
      return (i) => !e(i);
    }
    case 'clause':
      break;
  }
  const field = resolveField(state, expr.field, fieldNames);
  const values = expr.values.map((v) => valueText(state, v));
  const wanted = values.filter((v): v is string => v !== null).map((v) => v.toLowerCase());
  if (['=', '!=', 'in', 'not in'].includes(expr.op) && field.check) {
    for (const v of values) {
      const problem = v === null ? undefined : field.check(v);
      if (problem) throw new JqlError(problem);
    }
  }
  const has = (i: IssueState): boolean => field.values(i).some((v) => wanted.includes(v.toLowerCase()));
  const empty = (i: IssueState): boolean => field.values(i).length === 0 || field.values(i).every((v) => v === '');
  const contains = (i: IssueState): boolean =>
    field.values(i).some((v) => wanted.every((w) => v.toLowerCase().includes(w)));
  switch (expr.op) {
    case '=':
    case 'in':
      return (i) => has(i) || (values.includes(null) && empty(i));
    case '!=':
    case 'not in':
      return (i) => !empty(i) && !has(i);
    case 'is':
      return empty;
    case 'is not':
      return (i) => !empty(i);
    case '~':
      if (field.kind !== 'text') throw new JqlError(`The operator '~' is not supported by the '${field.name}' field.`);
      return contains;
    case '!~':
      if (field.kind !== 'text') throw new JqlError(`The operator '!~' is not supported by the '${field.name}' field.`);
      return (i) => !contains(i);
  }
  if (field.kind !== 'date')
    throw new JqlError(`The operator '${expr.op}' is not supported by the '${field.name}' field.`);
  const bound = parseDate(values[0] ?? '', state.now());
  const compare = {
    '>': (a: number) => a > bound,
    '>=': (a: number) => a >= bound,
    '<': (a: number) => a < bound,
    '<=': (a: number) => a <= bound,
  }[expr.op as '>'];
  return (i) => field.values(i).some((v) => compare(parseDate(v, state.now())));
}

/** Issues matching the JQL, ordered (default: newest first). Throws JqlError for anything Jira would reject. */
export function searchIssues(state: JiraState, jql: string, fieldNames: Record<string, string> = {}): IssueState[] {
  const query = parseJql(jql);
  const predicate = compile(state, query.where, fieldNames);
  const orderBy = query.orderBy.length > 0 ? query.orderBy : [{ field: 'created', direction: 'DESC' as const }];
  const keys = orderBy.map(({ field, direction }) => {
    const lower = field.toLowerCase();
    const numeric = ['key', 'issuekey', 'id', 'created'].includes(lower);
    const resolved = numeric ? undefined : resolveField(state, field, fieldNames);
    const sortValue = (i: IssueState): string | number => (numeric ? Number(i.id) : (resolved?.values(i)[0] ?? ''));
    return { sortValue, sign: direction === 'DESC' ? -1 : 1 };
  });
  return state.issues.filter(predicate).sort((a, b) => {
    for (const { sortValue, sign } of keys) {
      const x = sortValue(a);
      const y = sortValue(b);
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return 0;
  });
}
