/**
 * A stored history for the read-path benchmarks (desk, review): request documents varied like a
 * busy service desk's, and hash-chained audit entries for them, written into a real store.
 */
import { createHmac } from 'node:crypto';
import type { AuditEntry, AuditLog } from '../src/audit/audit-log';
import { canonical, entryKey, GENESIS } from '../src/audit/audit-log';
import type { CredentialRequest, RequestState } from '../src/domain/request';
import type { Store } from '../src/store/open-store';
import { bulkSet } from './common';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The audit key the benchmarks' stores are chained with. */
export const BENCH_AUDIT_KEY = 'bench-audit-key-0123456789abcdef-0123456789';

/**
 * What a desk sees over months: mostly finished requests, a tenth active, some pending, a few
 * whose revocation failed. Indexed by `i % STATES.length`.
 */
const STATES: RequestState[] = [
  'revoked',
  'expired',
  'revoked',
  'granted',
  'pending-approval',
  'revoked',
  'declined',
  'expired',
  'awaiting-info',
  'revoked',
  'cancelled',
  'revoked',
  'expired',
  'granted',
  'revoked',
  'revoked',
  'expired',
  'revoked',
  'declined',
  'revoked',
];

export interface HistoryShape {
  /** Requests in the store. */
  n: number;
  /** `now`: the newest request was filed one minute before it. */
  now: number;
  /** Over how many days the requests were filed (evenly). */
  days: number;
  /** Distinct shared accounts the requests ask for. */
  accounts: number;
  /** Distinct requesters. */
  requesters: number;
}

/** One request document as the engine writes one; `i` = 0 is the newest. */
export function historyRequest(i: number, s: HistoryShape): CredentialRequest {
  const state = i % 97 === 13 ? 'revocation-failed' : STATES[i % STATES.length];
  const created = s.now - MINUTE - Math.floor((i * s.days * DAY) / s.n);
  const iso = (ms: number) => new Date(ms).toISOString();
  const wasGranted = ['granted', 'revoked', 'expired', 'revocation-failed'].includes(state);
  const high = i % 3 === 0;
  const grantMs = (1 + (i % 8)) * HOUR;
  const granted = wasGranted ? created + (5 + (i % 120)) * MINUTE : null;
  // Active grants end within the next two days; the others ended at (or around) their expiry.
  const expiresAt =
    granted === null
      ? null
      : state === 'granted'
        ? s.now + ((i * 7919) % (48 * 60)) * MINUTE + MINUTE
        : granted + grantMs;
  const endedAt =
    state === 'granted' || granted === null || expiresAt === null
      ? state === 'declined' || state === 'cancelled'
        ? created + HOUR
        : null
      : state === 'revoked' && i % 5 === 0
        ? granted + grantMs / 2
        : expiresAt + (i % 11) * 1000;
  const requester = i % s.requesters;
  const approvers = [
    { id: 'acc-alice', displayName: 'Alice Approver' },
    { id: 'acc-bob', displayName: 'Bob Approver' },
  ];
  return {
    id: `cg-h${String(i).padStart(9, '0')}`,
    version: 1,
    ticket: { connector: 'jira', id: String(100_000 + i), key: `OPS-${i}` },
    ticketUrl: `https://jira.example.test/browse/OPS-${i}`,
    summary: `Access to host-${i % 50} for the ${i % 2 ? 'monthly' : 'weekly'} run #${i}`,
    state,
    category:
      i % 10 === 9
        ? { id: 'vendor-access', name: 'Temporary vendor or contractor access' }
        : { id: 'shared-account', name: 'Generic or shared account' },
    requester: { id: `acc-user${requester}`, displayName: `User ${requester}` },
    facts: {
      systems: [`host-${i % 50}`, ...(i % 4 === 0 ? [`prod-db${i % 5}`] : [])],
      account: `svc_${i % s.accounts}`,
      access: i % 2 ? 'read' : 'read-write',
      justification: 'scheduled maintenance window',
      duration: `${grantMs / HOUR}h`,
      company: '',
      client: '',
    },
    factsFingerprint: `fp${i}`,
    missing: state === 'awaiting-info' ? ['justification'] : [],
    risk: high ? 'high' : 'low',
    riskRules: high ? [{ id: 'production-system', description: 'a production system is involved' }] : [],
    path: 'standard',
    steps: [
      { id: 'it-approver', name: 'IT approver', groups: ['credential-approvers'], users: [], count: high ? 2 : 1 },
    ],
    approvals:
      granted === null
        ? []
        : approvers.slice(0, high ? 2 : 1).map((a, k) => ({
            actor: a,
            step: 'it-approver',
            at: iso(granted - (1 - k) * MINUTE),
            historyId: `h${i}-${k}`,
          })),
    requestedMs: grantMs,
    grantMs,
    capRule: null,
    createdAt: iso(created),
    updatedAt: iso(endedAt ?? granted ?? created),
    pendingSince: state === 'awaiting-info' ? null : iso(created),
    grantedAt: granted === null ? null : iso(granted),
    expiresAt: expiresAt === null ? null : iso(expiresAt),
    endedAt: endedAt === null ? null : iso(endedAt),
    endReason:
      state === 'expired' || state === 'revoked'
        ? 'expired'
        : state === 'revocation-failed'
          ? 'directory unreachable'
          : state === 'declined'
            ? 'declined'
            : null,
    timers: {},
    seenChanges: [],
    access: null,
    outbox: [],
    effectSeq: 4,
  };
}

export function historyRequests(s: HistoryShape): CredentialRequest[] {
  return Array.from({ length: s.n }, (_, i) => historyRequest(i, s));
}

/**
 * Writes the documents through the store's own compare-and-swap (as the engine does, version 0 →
 * 1), `parallel` at a time. Returns the time it took.
 */
export async function seedRequests(
  store: Pick<Store, 'requests'>,
  docs: CredentialRequest[],
  parallel = 64,
): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const doc = docs[next++];
      if (!(await store.requests.compareAndSet(doc.id, 0, { ...doc, version: 0 })))
        throw new Error(`seed: ${doc.id} already stored`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return performance.now() - t0;
}

type EntryBody = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

/** The entries the engine and the effect runner write over a request's life (2 to 5 each). */
export function historyAudit(r: CredentialRequest): EntryBody[] {
  const at = (iso: string | null, plusMs = 0) => new Date(Date.parse(iso ?? r.createdAt) + plusMs).toISOString();
  const e = (n: number, action: string, outcome: string, when: string, rules: string[] = []): EntryBody => ({
    requestId: r.id,
    ticket: r.ticket,
    effectKey: `${r.id}/${n}`,
    action,
    actor: action === 'approved' ? (r.approvals[0]?.actor.id ?? null) : null,
    at: when,
    outcome,
    rules,
  });
  const out = [
    e(
      1,
      'request-received',
      r.state === 'awaiting-info' ? 'awaiting-info' : 'pending-approval',
      at(r.createdAt),
      r.riskRules.map((x) => x.id),
    ),
  ];
  if (r.grantedAt) {
    out.push(e(2, 'approved', 'granted', at(r.grantedAt, -1000)), e(3, 'access-granted', 'granted', at(r.grantedAt)));
    if (r.state === 'revocation-failed') out.push(e(4, 'effect-failed', 'revoke', at(r.endedAt)));
    else if (r.endedAt) out.push(e(4, 'access-revoked', 'revoked', at(r.endedAt)));
  } else if (r.state === 'declined' || r.state === 'cancelled') {
    out.push(e(2, r.state, r.state, at(r.endedAt)));
  }
  return out;
}

interface Head {
  version: number;
  seq: number;
  hash: string;
}

/**
 * Appends entries to the store's audit chain in bulk, exactly as AuditLog.append would chain them
 * (HMAC over the predecessor's hash and the canonical record; `effect:` index; head moved), so
 * `audit.verify()` accepts the result. Entries are taken in order, cycling `bodies` with a fresh
 * effect key per lap. Returns the new head's sequence number.
 */
export async function seedAudit(
  store: Pick<Store, 'kv'>,
  bodies: EntryBody[],
  count: number,
  hmacKey = BENCH_AUDIT_KEY,
): Promise<number> {
  const kv = store.kv.audit;
  const head = ((await kv.get('head')) as Head | undefined) ?? { version: 0, seq: 0, hash: GENESIS };
  let { seq, hash } = head;
  const rows: [string, unknown][] = [];
  for (let k = 0; k < count; k++) {
    const lap = Math.floor((seq + k) / bodies.length);
    const src = bodies[(seq + k) % bodies.length];
    const body = { ...src, effectKey: lap ? `${src.effectKey}/lap${lap}` : src.effectKey, seq: seq + k + 1 };
    const chained = {
      ...body,
      prevHash: hash,
      hash: createHmac('sha256', hmacKey)
        .update(`${hash}\n${canonical(body)}`)
        .digest('hex'),
    };
    hash = chained.hash;
    rows.push([entryKey(body.seq), chained], [`effect:${body.effectKey}`, body.seq]);
  }
  seq += count;
  rows.push(['head', { version: head.version + count, seq, hash } satisfies Head]);
  if ((await bulkSet(kv, rows)) !== 'sqlite-bulk') throw new Error('seed: the audit namespace is not on SQLite');
  return seq;
}

/** Appends `n` entries through the audit log's own API (what a running service writes). */
export async function appendThroughApi(audit: AuditLog, r: CredentialRequest, n: number, tag: string): Promise<void> {
  for (let k = 0; k < n; k++) {
    await audit.append({
      requestId: r.id,
      ticket: r.ticket,
      effectKey: `${r.id}/${tag}/${k}`,
      action: 'comment-posted',
      actor: null,
      at: new Date().toISOString(),
      outcome: 'ok',
      rules: [],
    });
  }
}
