import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '../../src/util/logger';
import { deskConfigSchema, deskRouter, hashPassword, type DeskConfig } from '../../src/desk';
import type { Store } from '../../src/store/open-store';
import type { AuditLog } from '../../src/audit/audit-log';
import type { CredentialRequest } from '../../src/domain/request';
import { Harness } from '../helpers/harness';
import { quickPolicy } from '../helpers/policy';
import { routerApp } from '../helpers/router-app';

export const DESK_USER = 'desk-lead';
export const DESK_PASSWORD = 'plum-orchard-47-lantern';
export const DESK_TOKEN = 'desk-automation-token-4c1f9e27b05d';
/** A hash made once per test run: scrypt is deliberately slow. */
let hashed: Promise<string> | null = null;
export const passwordHash = () => (hashed ??= hashPassword(DESK_PASSWORD));

export const HOUR = 3_600_000;
export const XSS_SUMMARY = '<script>document.title="pwned"</script>Urgent DB access';
export const XSS_JUSTIFICATION = '<img src=x onerror="document.title=\'pwned\'">"><b>bold</b>';

const LOW = (duration: string, system = 'reporting-db') =>
  [
    `Target systems: ${system}`,
    'Account: svc_reports',
    'Access: read-only',
    'Justification: monthly report run',
    `Duration: ${duration}`,
  ].join('\n');
const HIGH = [
  'Target systems: prod-db01',
  'Account: sa',
  'Access: read-write',
  'Justification: fix replication',
  'Duration: 1h',
].join('\n');

/** What the seeded store holds, by ticket key. */
export interface Seeded {
  /** Granted for 2 h (real service, approved by Alice). */
  active: string;
  /** Granted for 2 s and revoked at expiry by the real scheduler. */
  expired: string;
  /** High risk, one of two approvals given: the oldest pending request. */
  pendingOld: string;
  /** Low risk, filed later, with an XSS payload in summary and justification. */
  pendingXss: string;
  /** Written through the store API in state `revocation-failed`. */
  failedState: string;
  /** Written through the store API (state `revoked`) with an `effect-failed`/`revoke` audit entry. */
  failedAudit: string;
  byKey: Map<string, CredentialRequest>;
}

/**
 * credgate running for real against the stateful fake Jira, seeded through it: tickets filed,
 * approved and one grant left to expire. Two failed revocations are written through the store's
 * and the audit log's own APIs, because no fake provider can be put into the harness's service.
 */
export async function seedThroughService(): Promise<{ h: Harness; seeded: Seeded }> {
  const h = await Harness.start({ policy: quickPolicy({ max: '8h' }) });
  const file = async (description: string, summary: string) => {
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary,
      description,
    });
    await h.settle();
    return key;
  };
  const pendingOld = await file(HIGH, 'Production DB access');
  await h.fake.transitionAs('acc-alice', pendingOld, 'Approved');
  await h.settle();
  const active = await file(LOW('2h'), 'Access to the reporting database');
  await h.fake.transitionAs('acc-alice', active, 'Approved');
  const expired = await file(LOW('2s', 'billing-db'), 'Quick look at billing');
  await h.fake.transitionAs('acc-bob', expired, 'Approved');
  await h.settle();
  await new Promise((r) => setTimeout(r, 20));
  const pendingXss = await file(LOW('1h', 'crm-db').replace('monthly report run', XSS_JUSTIFICATION), XSS_SUMMARY);

  let byKey = await requestsByKey(h.service.store);
  const deadline = Date.now() + 10_000;
  while (byKey.get(expired)?.state !== 'revoked' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    await h.settle();
    byKey = await requestsByKey(h.service.store);
  }
  expect(byKey.get(active)?.state, 'seed: active grant').to.equal('granted');
  expect(byKey.get(expired)?.state, 'seed: expired grant').to.equal('revoked');
  expect(byKey.get(pendingOld)?.state, 'seed: pending (high risk)').to.equal('pending-approval');
  expect(byKey.get(pendingXss)?.state, 'seed: pending (xss)').to.equal('pending-approval');

  const template = byKey.get(active) as CredentialRequest;
  const failedState = 'CRED-90';
  const failedAudit = 'CRED-91';
  await writeRequest(h.service.store, {
    ...structuredClone(template),
    id: 'cg-failed00090',
    ticket: { connector: 'jira', id: '90090', key: failedState },
    ticketUrl: undefined,
    summary: 'VPN access for the auditors',
    state: 'revocation-failed',
    facts: { ...template.facts, systems: ['vpn-gw01'], account: 'auditor-temp' },
    endedAt: '2026-01-01T00:00:00.000Z',
    endReason: 'directory unreachable after 24 attempts',
    outbox: [],
  });
  await writeRequest(h.service.store, {
    ...structuredClone(template),
    id: 'cg-failed00091',
    ticket: { connector: 'jira', id: '90091', key: failedAudit },
    ticketUrl: 'javascript:alert(1)',
    summary: 'Firewall console',
    state: 'revoked',
    facts: { ...template.facts, systems: ['fw-console'], account: 'fwadmin' },
    outbox: [],
  });
  await appendFailedRevoke(h.service.audit, 'cg-failed00091', failedAudit);
  byKey = await requestsByKey(h.service.store);
  return { h, seeded: { active, expired, pendingOld, pendingXss, failedState, failedAudit, byKey } };
}

export async function requestsByKey(store: Pick<Store, 'requests'>): Promise<Map<string, CredentialRequest>> {
  const out = new Map<string, CredentialRequest>();
  for await (const r of store.requests.all()) out.set(r.ticket.key, r);
  return out;
}

export async function writeRequest(store: Pick<Store, 'requests'>, doc: CredentialRequest): Promise<void> {
  const stored = await store.requests.compareAndSet(doc.id, 0, { ...doc, version: 0 });
  expect(stored, `seed: ${doc.id} written`).to.not.equal(null);
}

/** What the effect runner appends when a revoke effect fails for good. */
export function appendFailedRevoke(audit: AuditLog, requestId: string, key: string) {
  return audit.append({
    requestId,
    ticket: { connector: 'jira', id: requestId, key },
    effectKey: `${requestId}/failed-revoke`,
    action: 'effect-failed',
    actor: null,
    at: '2026-01-02T03:04:05.000Z',
    outcome: 'revoke',
    rules: [],
    detail: { effect: `${requestId}/7`, error: 'firewall API answered 503' },
  });
}

export interface DeskAppOptions {
  store: Pick<Store, 'requests' | 'kv' | 'engine'>;
  audit: AuditLog;
  clock: () => Date;
  config?: Record<string, unknown>;
  publicUrl?: string;
}

/**
 * credgate's own app (createApp) with the desk mounted through `deps.routers`, on a loopback port,
 * reading the store the service writes, with its log lines captured.
 */
export class DeskApp {
  readonly logs: string[] = [];
  url = '';
  config!: DeskConfig;
  private server!: Server;

  static async start(options: DeskAppOptions): Promise<DeskApp> {
    const d = new DeskApp();
    d.config = deskConfigSchema.parse({
      users: [{ username: DESK_USER, passwordHash: await passwordHash() }],
      token: DESK_TOKEN,
      ...options.config,
    });
    const sink = new Writable({ write: (chunk, _enc, done) => (d.logs.push(String(chunk)), done()) });
    const log = createLogger({ level: 'debug', destination: sink });
    const app = routerApp({
      routers: [
        deskRouter({
          store: options.store,
          audit: options.audit,
          clock: options.clock,
          config: d.config,
          log,
          publicUrl: options.publicUrl,
        }),
      ],
      log,
      clock: options.clock,
    });
    d.server = createServer(app);
    await new Promise<void>((ok) => d.server.listen(0, '127.0.0.1', ok));
    d.url = `http://127.0.0.1:${(d.server.address() as AddressInfo).port}`;
    return d;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

export interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

/** One HTTP exchange, redirects not followed (the tests look at them). */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** Logs in through the form; returns the `name=value` cookie pair. */
export async function login(url: string, username = DESK_USER, password = DESK_PASSWORD): Promise<string> {
  const res = await call(`${url}/desk/login`, { method: 'POST', body: new URLSearchParams({ username, password }) });
  expect(res.status, 'login answer').to.equal(303);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).to.match(/^credgate_desk=[A-Za-z0-9_-]{43};/);
  return cookie.split(';')[0];
}

/** The `<tr>` of `section` for a ticket, as HTML text. */
export function rowOf(html: string, section: string, ticketKey: string): string {
  const start = html.indexOf(`<section id="${section}"`);
  expect(start, `section ${section}`).to.be.greaterThan(-1);
  const body = html.slice(start, html.indexOf('</section>', start));
  const m = new RegExp(`<tr data-ticket="${ticketKey}"[^>]*>([\\s\\S]*?)</tr>`).exec(body);
  expect(m, `row for ${ticketKey} in ${section}`).to.not.equal(null);
  return (m as RegExpExecArray)[0];
}

/** Ticket keys of a section's rows, in page order. */
export function keysIn(html: string, section: string): string[] {
  const start = html.indexOf(`<section id="${section}"`);
  const body = html.slice(start, html.indexOf('</section>', start));
  return [...body.matchAll(/<tr data-ticket="([^"]+)"/g)].map((m) => m[1]);
}
