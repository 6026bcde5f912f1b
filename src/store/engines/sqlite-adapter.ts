import { CredgateError } from '../../util/errors';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';

/** How many SQL statements the embedded store ran (for `npm run bench` and tests; nothing else reads it). */
export interface StatementCount {
  statements: number;
}

type Row = { key: string; value: string };

/** Rows per page of an iteration; each page is one keyset query (`key > last ORDER BY key LIMIT n`). */
const PAGE = 1_000;

/**
 * keyv's storage adapter interface on one better-sqlite3 table, with prepared statements: one
 * statement per call (no SELECT before a DELETE), and iteration by key ranges, so listing a
 * namespace costs the same per row at 10k rows as at 125k (keyv's own SQLite adapter pages with
 * OFFSET, re-reading every row before the page). The table is the one @keyv/sqlite creates
 * (`key VARCHAR(255) PRIMARY KEY, value TEXT`, keys `namespace:key`), so a file it wrote reads as is.
 */
export class SqliteKeyvAdapter extends EventEmitter {
  /** keyv reads `opts.dialect` to decide the adapter can iterate. */
  readonly opts: { dialect: 'sqlite'; url: string; table: string };
  namespace?: string;
  readonly ttlSupport = false;
  private readonly sql: {
    get: Database.Statement<[string], Row>;
    set: Database.Statement<[string, string]>;
    del: Database.Statement<[string]>;
    has: Database.Statement<[string], { one: number }>;
    page: Database.Statement<[string, string, number], Row>;
    clear: Database.Statement<[string, string]>;
  };

  private readonly due = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    table: string,
    private readonly count: StatementCount,
  ) {
    super();
    this.opts = { dialect: 'sqlite', url: `sqlite://${db.name}`, table };
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
    this.sql = {
      get: db.prepare(`SELECT key, value FROM ${table} WHERE key = ?`),
      set: db.prepare(
        `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      ),
      del: db.prepare(`DELETE FROM ${table} WHERE key = ?`),
      has: db.prepare(`SELECT 1 AS one FROM ${table} WHERE key = ?`),
      // Keys of one namespace are `ns:...`; `;` is the character after `:`, so [ns:, ns;) is the namespace.
      page: db.prepare(`SELECT key, value FROM ${table} WHERE key > ? AND key < ? ORDER BY key LIMIT ?`),
      clear: db.prepare(`DELETE FROM ${table} WHERE key >= ? AND key < ?`),
    };
  }

  async get(key: string): Promise<string | undefined> {
    this.count.statements++;
    return this.sql.get.get(key)?.value;
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    return Promise.all(keys.map((k) => this.get(k)));
  }

  async set(key: string, value: string): Promise<void> {
    this.count.statements++;
    this.sql.set.run(key, String(value));
  }

  async delete(key: string): Promise<boolean> {
    this.count.statements++;
    return this.sql.del.run(key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let any = false;
    for (const k of keys) if (await this.delete(k)) any = true;
    return any;
  }

  async has(key: string): Promise<boolean> {
    this.count.statements++;
    return this.sql.has.get(key) !== undefined;
  }

  async clear(): Promise<void> {
    this.count.statements++;
    const [from, to] = this.range(this.namespace);
    this.sql.clear.run(from, to);
  }

  /** Every row of the namespace in key order, a page at a time; rows deleted meanwhile are not skipped over. */
  async *iterator(namespace?: string): AsyncGenerator<[string, string]> {
    const [from, to] = this.range(namespace);
    let after = from;
    for (;;) {
      this.count.statements++;
      const rows = this.sql.page.all(after, to, PAGE);
      for (const row of rows) yield [row.key, row.value];
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].key;
    }
  }

  /**
   * Keys (without the namespace) whose value has no `field` or one not after `now`, by key ranges;
   * the filter runs in SQLite, so a backlog of waiting entries is skipped without parsing any in JS.
   */
  async *dueKeys(field: string, now: string): AsyncGenerator<string> {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new CredgateError('config', `not a plain field name: ${field}`);
    const [from, to] = this.range(this.namespace);
    let statement = this.due.get(field);
    if (!statement) {
      statement = this.db.prepare(
        `SELECT key, coalesce(json_extract(value, '$.value.${field}'), '') <= ? AS due FROM ${this.opts.table}
         WHERE key > ? AND key < ? ORDER BY key LIMIT ?`,
      );
      this.due.set(field, statement);
    }
    let after = from;
    for (;;) {
      this.count.statements++;
      const rows = statement.all(now, after, to, PAGE) as { key: string; due: number }[];
      for (const row of rows) if (row.due) yield row.key.slice(from.length);
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].key;
    }
  }

  async disconnect(): Promise<void> {}

  private range(namespace?: string): [string, string] {
    // No namespace: every key (the empty string sorts first; U+FFFF after anything credgate writes).
    return namespace ? [`${namespace}:`, `${namespace};`] : ['', '\uffff'];
  }
}
