/** Shared pieces of the benchmarks: the fake Jira's cast, credgate's configuration, statistics. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import type Keyv from 'keyv';
import { FakeJira } from '../test/fakes/jira/fake-jira';
import { SECRETS, SERVICE_ACCOUNT, STATUSES, USERS } from '../test/helpers/harness';
import { LOW_RISK_DESCRIPTION } from '../test/helpers/tickets';
import { REPO } from './ipc';

export { SECRETS, SERVICE_ACCOUNT, REPO };
export const EMAIL = 'credgate@example.com';
export const PROJECT = 'CRED';
export const ISSUE_TYPE = 'Credential request';
export const DESCRIPTION = LOW_RISK_DESCRIPTION;
export const REQUESTER = 'acc-requester';
/** The shipped policy: the benchmarks run what a newcomer runs. */
export const POLICY_PATH = resolve(REPO, 'config/policy.yaml');

export function newFakeJira(): FakeJira {
  return new FakeJira({
    email: EMAIL,
    apiToken: SECRETS.apiToken,
    users: USERS,
    statuses: STATUSES,
    serviceAccountId: SERVICE_ACCOUNT,
    projects: [PROJECT],
  });
}

/** Creates `n` credential-request issues in the fake without delivering webhooks; returns their refs. */
export async function seedIssues(
  fake: FakeJira,
  n: number,
  summary = 'Access to the reporting database',
): Promise<{ id: string; key: string }[]> {
  const out: { id: string; key: string }[] = [];
  for (let i = 0; i < n; i++) {
    const { id, key } = await fake.createIssue(REQUESTER, {
      project: PROJECT,
      issueType: ISSUE_TYPE,
      summary: `${summary} #${i}`,
      description: DESCRIPTION,
    });
    out.push({ id, key });
  }
  return out;
}

/**
 * The `ref cg-XXXXXXXXXX/N` footers of credgate's comments on one ticket, in order (wiki escapes
 * such as `cg\\-…` removed first). The same ref twice is a doubled effect.
 */
export function credgateRefs(fake: FakeJira, key: string): string[] {
  return fake
    .comments(key)
    .filter((c) => c.author.accountId === SERVICE_ACCOUNT)
    .map((c) => (typeof c.body === 'string' ? c.body : JSON.stringify(c.body)).replace(/\\(.)/g, '$1'))
    .map((text) => /ref (cg-[0-9a-f]{10}\/\d+)/.exec(text)?.[1])
    .filter((r): r is string => Boolean(r));
}

/** How many refs appear more than once (each extra copy counts once). */
export function duplicates(refs: string[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const r of refs) {
    if (seen.has(r)) dup.push(r);
    seen.add(r);
  }
  return dup;
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `credgate-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** credgate's config file for the benchmarks: the shipped defaults, scoped to the fake's project, logging warnings only. */
export function writeCredgateConfig(dir: string): string {
  const path = join(dir, 'credgate.yaml');
  // JSON is YAML.
  writeFileSync(
    path,
    JSON.stringify(
      {
        server: { host: '127.0.0.1' },
        log: { level: 'warn' },
        jira: { projects: [PROJECT], issueTypes: [ISSUE_TYPE] },
      },
      null,
      2,
    ),
  );
  return path;
}

/** The environment credgate reads (loadConfig in process, or src/main.ts in a replica). */
export function credgateEnv(o: {
  configPath: string;
  storeUrl: string;
  jiraUrl: string;
  port?: number;
}): Record<string, string> {
  return {
    CREDGATE_CONFIG: o.configPath,
    CREDGATE_STORE: o.storeUrl,
    CREDGATE_POLICY: POLICY_PATH,
    CREDGATE_AUDIT_KEY: SECRETS.auditKey,
    CREDGATE_LOG_LEVEL: 'warn',
    JIRA_BASE_URL: o.jiraUrl,
    JIRA_EMAIL: EMAIL,
    JIRA_API_TOKEN: SECRETS.apiToken,
    JIRA_WEBHOOK_SECRET: SECRETS.webhookSecret,
    ...(o.port !== undefined ? { PORT: String(o.port) } : {}),
  };
}

/** A log destination that drops everything. */
export function nullSink(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}

export const sleep = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms));

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(values: number[]): Summary {
  const sorted = Float64Array.from(values).sort();
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    n: values.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: values.length ? sum / values.length : NaN,
  };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** The SQLite table behind a keyv namespace, when the store is keyv's SQLite adapter. */
function sqliteTable(kv: Keyv): { query: (sql: string, ...params: unknown[]) => Promise<any[]>; table: string } | null {
  const adapter = (kv as unknown as { store?: { query?: unknown; opts?: { dialect?: string; table?: string } } }).store;
  if (!adapter || typeof adapter.query !== 'function' || adapter.opts?.dialect !== 'sqlite' || !adapter.opts.table)
    return null;
  return { query: adapter.query as (sql: string, ...params: unknown[]) => Promise<any[]>, table: adapter.opts.table };
}

/**
 * How many keys a keyv namespace holds. On SQLite a COUNT(*) (keyv's iterator pages with OFFSET,
 * quadratic in the table size); elsewhere keyv's iterator.
 */
export async function countKeys(kv: Keyv): Promise<number> {
  const sql = sqliteTable(kv);
  if (sql) {
    const rows = await sql.query(
      `SELECT COUNT(*) AS n FROM ${sql.table} WHERE key LIKE ?`,
      `${kv.namespace ?? ''}${kv.namespace ? ':' : ''}%`,
    );
    return Number(rows[0]?.n ?? 0);
  }
  if (!kv.iterator) return NaN;
  let n = 0;
  for await (const _ of kv.iterator(undefined)) n++;
  return n;
}

/**
 * Writes many entries into a keyv namespace. On keyv's SQLite adapter: multi-row INSERTs in one
 * transaction, in keyv's own serialization (checked by reading one back through keyv); elsewhere,
 * or if that check fails, keyv's set() with bounded concurrency.
 */
export async function bulkSet(kv: Keyv, entries: [string, unknown][]): Promise<'sqlite-bulk' | 'keyv-set'> {
  const sql = sqliteTable(kv);
  if (sql && kv.namespace && entries.length > 0) {
    const prefix = `${kv.namespace}:`;
    await sql.query('BEGIN');
    try {
      for (let i = 0; i < entries.length; i += 500) {
        const chunk = entries.slice(i, i + 500);
        const params: string[] = [];
        for (const [key, value] of chunk) params.push(prefix + key, JSON.stringify({ value }));
        await sql.query(
          `INSERT INTO ${sql.table} (key, value) VALUES ${chunk.map(() => '(?, ?)').join(',')} ON CONFLICT(key) DO UPDATE SET value=excluded.value`,
          ...params,
        );
      }
      await sql.query('COMMIT');
    } catch (err) {
      await sql.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    const [k, v] = entries[entries.length - 1];
    if (JSON.stringify(await kv.get(k)) === JSON.stringify(v)) return 'sqlite-bulk';
  }
  for (let i = 0; i < entries.length; i += 200)
    await Promise.all(entries.slice(i, i + 200).map(([k, v]) => kv.set(k, v)));
  return 'keyv-set';
}

/** Machine-wide CPU use from /proc/stat (Linux); null elsewhere. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = fields.slice(0, 8).map(Number); // user nice system idle iowait irq softirq steal
    const total = n.reduce((a, b) => a + b, 0);
    return { busy: total - n[3] - n[4], total };
  } catch {
    return null;
  }
}

/** The store servers benchmark 4 uses, by command name: their CPU is not counted as noise. */
export const STORE_SERVERS = ['redis-server', 'postgres'];

/**
 * Starts measuring how much CPU processes outside this one and its (reaped) children used: the
 * machine's busy time minus this process's own and its waited-for children's. Call it when no
 * child is alive at either end (between benchmarks). Returns shares of all cores (0..1): the
 * store servers' (Redis, PostgreSQL) and everything else's.
 */
export function otherProcessesBusy(): () => { other: number; servers: number } | null {
  const self = () => {
    try {
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    } catch {
      return NaN;
    }
  };
  const m0 = machineTicks();
  const s0 = self();
  const servers0 = processesByName(STORE_SERVERS);
  return () => {
    const m1 = machineTicks();
    const s1 = self();
    if (!m0 || !m1 || m1.total === m0.total || !Number.isFinite(s0 + s1)) return null;
    let servers = 0;
    for (const [pid, ms] of processesByName(STORE_SERVERS)) servers += (ms - (servers0.get(pid) ?? 0)) / 10;
    const total = m1.total - m0.total;
    return {
      other: round(Math.max(0, (m1.busy - m0.busy - (s1 - s0) - servers) / total), 2),
      servers: round(servers / total, 2),
    };
  };
}

/** Starts measuring how busy the whole machine is; the returned function gives the share of all cores used since (0..1). */
export function machineBusy(): () => number | null {
  const start = machineTicks();
  return () => {
    const end = machineTicks();
    if (!start || !end || end.total === start.total) return null;
    return round((end.busy - start.busy) / (end.total - start.total), 2);
  };
}

/** CPU time (user + system) a live process has used, from /proc/<pid>/stat (Linux); NaN elsewhere. */
export function processCpuMs(pid: number | undefined, withReapedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const children = withReapedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (Number(fields[11]) + Number(fields[12]) + children) * 10; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return NaN;
  }
}

/**
 * CPU time of every live process whose command name is one of `names` (e.g. redis-server,
 * postgres), by pid, including the children each has reaped (PostgreSQL's ended backends).
 */
export function processesByName(names: string[]): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      if (!names.includes(readFileSync(`/proc/${pid}/comm`, 'utf8').trim())) continue;
      out.set(Number(pid), processCpuMs(Number(pid), true));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU this process itself has used (all its threads, not its children), ms. */
export function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Machine-wide CPU ticks as used by `machineBusy`, exposed for shares of the machine. */
export function machineTotalMs(): number | null {
  const t = machineTicks();
  return t ? t.total * 10 : null;
}

export function machineInfo() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** Reads an integer from the environment (bench knobs), with a default. */
export function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
