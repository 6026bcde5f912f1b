import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/open-store';
import { createAuditLog, type AuditLog } from '../../src/audit/audit-log';
import type { CredentialRequest, RequestState } from '../../src/domain/request';
import { call, DeskApp, DESK_TOKEN, HOUR, login, writeRequest } from './desk-rig';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A request document as the engine writes one, varied by `i`. */
function request(i: number, state: RequestState): CredentialRequest {
  const created = T0 - (i + 1) * 60_000;
  const granted = state === 'granted' ? created + 30_000 : null;
  return {
    id: `cg-scale${String(i).padStart(6, '0')}`,
    version: 0,
    ticket: { connector: 'jira', id: String(50_000 + i), key: `OPS-${i}` },
    ticketUrl: `https://jira.example.test/browse/OPS-${i}`,
    summary: `Request ${i}`,
    state,
    category: { id: 'shared-account', name: 'Generic or shared account' },
    requester: { id: `acc-user${i % 40}`, displayName: `User ${i % 40}` },
    facts: {
      systems: [`host-${i % 25}`],
      account: `svc_${i % 7}`,
      access: 'read',
      justification: 'batch',
      duration: '2h',
      company: '',
      client: '',
    },
    factsFingerprint: `fp${i}`,
    missing: [],
    risk: i % 3 === 0 ? 'high' : 'low',
    riskRules: [],
    path: 'standard',
    steps: [{ id: 'it-approver', name: 'IT approver', groups: ['credential-approvers'], users: [], count: 1 }],
    approvals: granted
      ? [
          {
            actor: { id: 'acc-alice', displayName: 'Alice Approver' },
            step: 'it-approver',
            at: iso(granted),
            historyId: `h${i}`,
          },
        ]
      : [],
    requestedMs: 2 * HOUR,
    grantMs: 2 * HOUR,
    capRule: null,
    createdAt: iso(created),
    updatedAt: iso(granted ?? created),
    pendingSince: state === 'pending-approval' || state === 'granted' ? iso(created) : null,
    grantedAt: granted ? iso(granted) : null,
    // Spread from 1 minute to ~50 hours ahead, so some fall outside the next 24 hours.
    expiresAt: granted ? iso(T0 + (i % 3000) * 60_000 + 60_000) : null,
    endedAt: null,
    endReason: null,
    timers: {},
    seenChanges: [],
    outbox: [],
    effectSeq: 0,
  };
}

const STATES: RequestState[] = ['granted', 'pending-approval', 'revoked', 'declined', 'expired', 'awaiting-info'];

describe('service desk with thousands of requests (seeded through the store API)', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'credgate-desk-'));
  let store: Store;
  let audit: AuditLog;
  let desk: DeskApp;
  const N = 3000;

  before(async () => {
    store = await openStore(`sqlite://${join(dir, 'store.sqlite')}`);
    audit = createAuditLog(store.engine, 'desk-scale-audit-key-0123456789abcdef');
    await Promise.all(Array.from({ length: N }, (_, i) => writeRequest(store, request(i, STATES[i % STATES.length]))));
    // 120 entries for one ticket, 30 for another: three pages of 50 for the first.
    for (let n = 0; n < 150; n++) {
      const i = n < 120 ? 6 : 7;
      await audit.append({
        requestId: `cg-scale${String(i).padStart(6, '0')}`,
        ticket: { connector: 'jira', id: String(50_000 + i), key: `OPS-${i}` },
        effectKey: `scale/${n}`,
        action: `step-${n}`,
        actor: null,
        at: iso(T0 + n * 1000),
        outcome: 'ok',
        rules: [],
      });
    }
    desk = await DeskApp.start({ store, audit, clock: () => new Date(T0) });
  });

  after(async () => {
    await desk?.stop();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sorts 3,000 requests into their sections in one pass', async () => {
    const res = await call(`${desk.url}/desk/api/overview`, { headers: { authorization: `Bearer ${DESK_TOKEN}` } });
    expect(res.status).to.equal(200);
    const o = JSON.parse(res.body);
    const granted = Array.from({ length: N }, (_, i) => i).filter((i) => i % STATES.length === 0);
    expect(o.activeGrants).to.have.length(granted.length);
    expect(o.pendingApprovals).to.have.length(N / STATES.length);
    // Next 24 hours: expiries at T0 + (i+1) minutes for i < 1440.
    expect(o.upcomingRevocations.map((g: { ticketKey: string }) => g.ticketKey)).to.deep.equal(
      granted.filter((i) => i + 1 <= 1440).map((i) => `OPS-${i}`),
    );
    const left = o.activeGrants.map((g: { msLeft: number }) => g.msLeft);
    expect(left).to.deep.equal([...left].sort((a, b) => a - b));
    expect(o.activeGrants[0]).to.include({ ticketKey: 'OPS-0', msLeft: 60_000 });
    // The oldest pending request was filed first: the highest i.
    expect(o.pendingApprovals[0]).to.include({ oldest: true, ticketKey: `OPS-${N - 5}` });
    expect(o.pendingApprovals.filter((p: { oldest: boolean }) => p.oldest)).to.have.length(1);

    const cookie = await login(desk.url);
    const page = await call(`${desk.url}/desk`, { headers: { cookie } });
    expect(page.status).to.equal(200);
    expect(page.body).to.include('<span class="count">500</span>');
  });

  it('pages audit search results by 50, newest first, keeping the filter in the links', async () => {
    const api = async (q: string) =>
      JSON.parse(
        (await call(`${desk.url}/desk/api/overview?${q}`, { headers: { authorization: `Bearer ${DESK_TOKEN}` } })).body,
      ).audit;
    const first = await api('ticket=ops-6');
    expect(first).to.include({ total: 120, page: 1, pages: 3 });
    expect(first.entries).to.have.length(50);
    expect(first.entries[0].action).to.equal('step-119');
    expect(first.entries[49].action).to.equal('step-70');
    const last = await api('ticket=ops-6&page=3');
    expect(last.entries.map((e: { action: string }) => e.action)).to.deep.equal(
      Array.from({ length: 20 }, (_, k) => `step-${19 - k}`),
    );
    expect((await api('ticket=ops-6&page=99')).page, 'a page past the end shows the last').to.equal(3);

    // Requester and system filters join entries to their request.
    expect((await api('requester=user 7')).total).to.equal(30);
    expect((await api('system=HOST-6')).total).to.equal(120);
    expect((await api('system=host-6&ticket=OPS-7')).total).to.equal(0);
    expect((await api('')).total).to.equal(150);

    const cookie = await login(desk.url);
    const page2 = (await call(`${desk.url}/desk?ticket=OPS-6&page=2`, { headers: { cookie } })).body;
    expect(page2).to.include('120 entries matching, newest first · page 2 of 3');
    expect(page2).to.include('<a href="/desk?ticket&#x3D;OPS-6&amp;page&#x3D;1#audit" rel="prev">');
    expect(page2).to.include('<a href="/desk?ticket&#x3D;OPS-6&amp;page&#x3D;3#audit" rel="next">');
  });

  it('sees entries appended after the first visit', async () => {
    await audit.append({
      requestId: 'cg-scale000007',
      ticket: { connector: 'jira', id: '50007', key: 'OPS-7' },
      effectKey: 'scale/late',
      action: 'access-revoke',
      actor: null,
      at: iso(T0 + 999_000),
      outcome: 'failed',
      rules: [],
    });
    const o = JSON.parse(
      (await call(`${desk.url}/desk/api/overview?ticket=OPS-7`, { headers: { authorization: `Bearer ${DESK_TOKEN}` } }))
        .body,
    );
    expect(o.audit.total).to.equal(31);
    expect(o.audit.entries[0].action).to.equal('access-revoke');
    // A revoke that the audit records as failed lists the request under failed revocations.
    expect(
      o.failedRevocations.map((f: { ticketKey: string; source: string }) => [f.ticketKey, f.source]),
    ).to.deep.equal([['OPS-7', 'audit access-revoke']]);
  });
});
