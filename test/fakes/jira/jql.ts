/**
 * A parser for the small JQL subset the fake supports:
 *   clause    := field op value | field (IN | NOT IN) (v, ...) | field IS [NOT] EMPTY
 *   op        := = | != | ~ | !~ | > | >= | < | <=
 *   query     := expr [ORDER BY field [ASC|DESC], ...]   expr: clauses with AND, OR, NOT, ( )
 * Values: "quoted", 'quoted', bare words (PROJ-1, 10001), functions like currentUser().
 * Anything else is a JqlError, which the fake answers with 400 like Jira does for bad JQL.
 */

export class JqlError extends Error {}

export type JqlValue = { kind: 'text'; text: string } | { kind: 'function'; name: string } | { kind: 'empty' };

export type JqlExpr =
  | { kind: 'and' | 'or'; left: JqlExpr; right: JqlExpr }
  | { kind: 'not'; expr: JqlExpr }
  | { kind: 'clause'; field: string; op: string; values: JqlValue[] }
  | { kind: 'all' };

export interface JqlQuery {
  where: JqlExpr;
  orderBy: Array<{ field: string; direction: 'ASC' | 'DESC' }>;
}

type Token = { kind: 'string' | 'word' | 'punct'; text: string; pos: number };

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let text = '';
      let j = i + 1;
      while (j < jql.length && jql[j] !== c) {
        if (jql[j] === '\\' && j + 1 < jql.length) j++;
        text += jql[j++];
      }
      if (j >= jql.length)
        throw new JqlError(
          `Error in the JQL Query: The quoted string starting at character ${i} has not been completed.`,
        );
      tokens.push({ kind: 'string', text, pos: i });
      i = j + 1;
      continue;
    }
    const punct = /^(!=|!~|>=|<=|=|~|>|<|\(|\)|,)/.exec(jql.slice(i));
    if (punct) {
      tokens.push({ kind: 'punct', text: punct[1], pos: i });
      i += punct[1].length;
      continue;
    }
    const word = /^[\w.\-[\]@]+/.exec(jql.slice(i));
    if (!word)
      throw new JqlError(
        `Error in the JQL Query: The character '${c}' is a reserved JQL character (at character ${i}).`,
      );
    tokens.push({ kind: 'word', text: word[0], pos: i });
    i += word[0].length;
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  private isWord(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.text.toUpperCase() === text;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'punct' && t.text === text;
  }
  private fail(expected: string): never {
    const t = this.peek();
    throw new JqlError(
      t
        ? `Error in the JQL Query: Expecting ${expected} but got '${t.text}'. (line 1, character ${t.pos + 1})`
        : `Error in the JQL Query: Expecting ${expected} but reached the end of the query.`,
    );
  }

  query(): JqlQuery {
    const where = this.peek() === undefined || this.isWord('ORDER') ? { kind: 'all' as const } : this.or();
    const orderBy: JqlQuery['orderBy'] = [];
    if (this.isWord('ORDER')) {
      this.i++;
      if (!this.isWord('BY')) this.fail("'by'");
      this.i++;
      do {
        if (orderBy.length > 0) this.i++;
        const field = this.field();
        let direction: 'ASC' | 'DESC' = 'ASC';
        if (this.isWord('ASC') || this.isWord('DESC'))
          direction = this.tokens[this.i++].text.toUpperCase() as 'ASC' | 'DESC';
        orderBy.push({ field, direction });
      } while (this.isPunct(','));
    }
    if (this.peek()) this.fail("'AND', 'OR' or 'ORDER BY'");
    return { where, orderBy };
  }

  private or(): JqlExpr {
    let left = this.and();
    while (this.isWord('OR')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): JqlExpr {
    let left = this.unary();
    while (this.isWord('AND')) {
      this.i++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): JqlExpr {
    if (this.isWord('NOT') && !this.isWord('IN', 1)) {
      this.i++;
      return { kind: 'not', expr: this.unary() };
    }
    if (this.isPunct('(')) {
      this.i++;
      const expr = this.or();
      if (!this.isPunct(')')) this.fail("')'");
      this.i++;
      return expr;
    }
    return this.clause();
  }

  private field(): string {
    const t = this.peek();
    if (!t || t.kind === 'punct') this.fail('a field name');
    this.i++;
    return t.text;
  }

  private clause(): JqlExpr {
    const field = this.field();
    const t = this.peek();
    if (this.isWord('IN')) {
      this.i++;
      return { kind: 'clause', field, op: 'in', values: this.list() };
    }
    if (this.isWord('NOT') && this.isWord('IN', 1)) {
      this.i += 2;
      return { kind: 'clause', field, op: 'not in', values: this.list() };
    }
    if (this.isWord('IS')) {
      this.i++;
      const negated = this.isWord('NOT');
      if (negated) this.i++;
      if (!this.isWord('EMPTY') && !this.isWord('NULL')) this.fail("'EMPTY'");
      this.i++;
      return { kind: 'clause', field, op: negated ? 'is not' : 'is', values: [{ kind: 'empty' }] };
    }
    if (t?.kind === 'punct' && ['=', '!=', '~', '!~', '>', '>=', '<', '<='].includes(t.text)) {
      this.i++;
      return { kind: 'clause', field, op: t.text, values: [this.value()] };
    }
    return this.fail('an operator');
  }

  private list(): JqlValue[] {
    if (!this.isPunct('(')) this.fail("'('");
    this.i++;
    const values = [this.value()];
    while (this.isPunct(',')) {
      this.i++;
      values.push(this.value());
    }
    if (!this.isPunct(')')) this.fail("')'");
    this.i++;
    return values;
  }

  private value(): JqlValue {
    const t = this.peek();
    if (!t || t.kind === 'punct') this.fail('a value');
    this.i++;
    if (t.kind === 'word' && this.isPunct('(')) {
      this.i++;
      if (!this.isPunct(')')) this.fail("')' (function arguments are not supported by the fake)");
      this.i++;
      return { kind: 'function', name: t.text };
    }
    if (t.kind === 'word' && ['EMPTY', 'NULL'].includes(t.text.toUpperCase())) return { kind: 'empty' };
    return { kind: 'text', text: t.text };
  }
}

export function parseJql(jql: string): JqlQuery {
  return new Parser(tokenize(jql)).query();
}
