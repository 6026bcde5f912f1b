import type { CredentialRequest, Risk } from '../../src/domain/request';
import type { Actor } from '../../src/domain/ticket';
import type { AccessTarget } from '../../src/domain/access-target';

/** A seeded history for review tests: what each request is, and the figures a review must find. */

export const alice: Actor = { id: 'acc-alice', displayName: 'Alice Approver' };
export const bob: Actor = { id: 'acc-bob', displayName: 'Bob Approver' };
export const carl: Actor = { id: 'acc-carl', displayName: 'Carl ClientOwner' };
export const rita: Actor = { id: 'acc-requester', displayName: 'Rita Requester' };

export const SINCE = '2026-05-01T00:00:00.000Z';
export const UNTIL = '2026-06-01T00:00:00.000Z';

export const CORP_AD: AccessTarget = {
  binding: 'ad-ops',
  provider: 'corp-ad',
  settings: { group: 'cn=ops' },
  rotateOnRevoke: false,
  share: 'none',
};

const H = 3_600_000;
const M = 60_000;

interface Seed {
  id: string;
  key: string;
  category: 'shared-account' | 'vendor-access';
  risk: Risk;
  created: string;
  account: string;
  systems: string[];
  state: CredentialRequest['state'];
  waitMs?: number;
  approvals?: { actor: Actor; afterMs: number }[];
  requestedMs?: number | null;
  grantMs?: number;
  /** ms after the grant the access ended (revoked / failed); absent: not ended. */
  endedAfterMs?: number;
  endReason?: string;
  access?: AccessTarget | null;
}

const CATEGORY_NAMES = {
  'shared-account': 'Generic or shared account',
  'vendor-access': 'Temporary vendor or contractor access',
};

export function request(s: Seed): CredentialRequest {
  const at = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
  const grantedAt = s.waitMs === undefined ? null : at(s.created, s.waitMs);
  const grantMs = s.grantMs ?? 2 * H;
  const expiresAt = grantedAt ? at(grantedAt, grantMs) : null;
  const endedAt =
    grantedAt && s.endedAfterMs !== undefined
      ? at(grantedAt, s.endedAfterMs)
      : s.state === 'declined'
        ? at(s.created, H)
        : null;
  return {
    id: s.id,
    version: 0,
    ticket: { connector: 'jira', id: s.id.replace(/\D/g, '') || '1', key: s.key },
    summary: `access for ${s.key}`,
    state: s.state,
    category: { id: s.category, name: CATEGORY_NAMES[s.category] },
    requester: rita,
    facts: {
      systems: s.systems,
      account: s.account,
      access: 'read-only',
      justification: 'seeded',
      duration: '2h',
      company: '',
      client: '',
    },
    factsFingerprint: 'seed',
    missing: [],
    risk: s.risk,
    riskRules: [],
    path: 'standard',
    steps: [],
    approvals: (s.approvals ?? []).map((a, i) => ({
      actor: a.actor,
      step: 'it-approver',
      at: at(s.created, a.afterMs),
      historyId: `${s.id}-${i}`,
    })),
    requestedMs: s.requestedMs === undefined ? grantMs : s.requestedMs,
    grantMs,
    capRule: null,
    createdAt: s.created,
    updatedAt: s.created,
    pendingSince: s.created,
    grantedAt,
    expiresAt,
    endedAt,
    endReason: s.endReason ?? (endedAt ? 'expired' : null),
    timers: {},
    seenChanges: [],
    access: s.access ?? null,
    outbox: [],
    effectSeq: 0,
  };
}

/**
 * May 2026: six requests (two categories, both risks), four granted, one revoked on time, one late,
 * one failed, one declined, one still active, one pending; two older ones make a stale account and
 * a disabled one.
 */
export function seededRequests(): CredentialRequest[] {
  return [
    request({
      id: 'cg-r1',
      key: 'CRED-1',
      category: 'shared-account',
      risk: 'low',
      created: '2026-05-03T10:00:00.000Z',
      account: 'svc_reports',
      systems: ['reporting-db'],
      state: 'revoked',
      waitMs: 30 * M,
      approvals: [{ actor: alice, afterMs: 30 * M }],
      endedAfterMs: 2 * H + 20_000,
    }),
    request({
      id: 'cg-r2',
      key: 'CRED-2',
      category: 'shared-account',
      risk: 'high',
      created: '2026-05-03T11:00:00.000Z',
      account: 'svc_prod',
      systems: ['prod-db'],
      state: 'revoked',
      waitMs: 2 * H,
      approvals: [
        { actor: alice, afterMs: H },
        { actor: bob, afterMs: 2 * H },
      ],
      requestedMs: 8 * H,
      grantMs: 4 * H,
      endedAfterMs: 4 * H,
      access: CORP_AD,
    }),
    request({
      id: 'cg-r3',
      key: 'CRED-3',
      category: 'vendor-access',
      risk: 'high',
      created: '2026-05-10T09:00:00.000Z',
      account: 'vendor_x',
      systems: ['crm'],
      state: 'revocation-failed',
      waitMs: 10 * M,
      approvals: [
        { actor: bob, afterMs: 5 * M },
        { actor: carl, afterMs: 10 * M },
      ],
      grantMs: 4 * H,
      endedAfterMs: 4 * H,
    }),
    request({
      id: 'cg-r4',
      key: 'CRED-4',
      category: 'shared-account',
      risk: 'low',
      created: '2026-05-20T12:00:00.000Z',
      account: 'svc_reports',
      systems: ['reporting-db'],
      state: 'declined',
    }),
    request({
      id: 'cg-r5',
      key: 'CRED-5',
      category: 'shared-account',
      risk: 'low',
      created: '2026-05-28T08:00:00.000Z',
      account: 'svc_reports',
      systems: ['reporting-db', 'etl'],
      state: 'granted',
      waitMs: H,
      approvals: [{ actor: alice, afterMs: H }],
      grantMs: 90 * H,
    }),
    request({
      id: 'cg-r7',
      key: 'CRED-7',
      category: 'vendor-access',
      risk: 'high',
      created: '2026-05-31T23:00:00.000Z',
      account: 'vendor_y',
      systems: ['crm'],
      state: 'pending-approval',
    }),
    // Before the period: an account nobody has held since March, and one its provider already disabled.
    request({
      id: 'cg-r6',
      key: 'CRED-6',
      category: 'shared-account',
      risk: 'low',
      created: '2026-03-01T09:00:00.000Z',
      account: 'svc_legacy',
      systems: ['legacy-db'],
      state: 'revoked',
      waitMs: H,
      approvals: [{ actor: alice, afterMs: H }],
      endedAfterMs: 4 * H,
    }),
    request({
      id: 'cg-r8',
      key: 'CRED-8',
      category: 'shared-account',
      risk: 'low',
      created: '2026-02-01T09:00:00.000Z',
      account: 'svc_gone',
      systems: ['old-db'],
      state: 'revoked',
      waitMs: H,
      approvals: [{ actor: bob, afterMs: H }],
      endedAfterMs: 2 * H,
      access: CORP_AD,
    }),
  ];
}

/** What the audit trail says beyond the requests: r2's provider took the access away five minutes late. */
export const seededAudit = () => [
  { requestId: 'cg-r2', action: 'access-revoked', outcome: 'revoked', at: '2026-05-03T17:00:00.000Z' },
  { requestId: 'cg-r2', action: 'provider-revoked', outcome: 'provider-revoked', at: '2026-05-03T17:05:00.000Z' },
  { requestId: 'cg-r1', action: 'access-revoked', outcome: 'revoked', at: '2026-05-03T12:30:20.000Z' },
  { requestId: 'cg-r3', action: 'effect-failed', outcome: 'revoke', at: '2026-05-10T13:20:00.000Z' },
];
