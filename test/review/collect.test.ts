import { expect } from 'chai';
import { collectReview, stats } from '../../src/review/collect';
import { knownAccounts } from '../../src/review/account-findings';
import type { AccountObservation } from '../../src/review/review-types';
import type { AccountState } from '../../src/providers/types';
import { SINCE, UNTIL, alice, seededAudit, seededRequests } from './seed';
import type { CredentialRequest } from '../../src/domain/request';

const H = 3_600_000;
const M = 60_000;

/** What the providers say: corp-ad knows its two accounts; the builtin ledger cannot inspect. */
function observe(): AccountObservation[] {
  const states: Record<string, AccountState> = {
    'corp-ad|svc_prod': { account: 'svc_prod', exists: true, enabled: true, lastUsedAt: '2026-05-25T08:00:00.000Z' },
    'corp-ad|svc_gone': { account: 'svc_gone', exists: true, enabled: false },
  };
  return knownAccounts(seededRequests()).map(({ latest: _l, ...a }) => ({ ...a, state: states[a.key] ?? null }));
}

const collect = () =>
  collectReview({
    requests: seededRequests(),
    audit: seededAudit(),
    accounts: observe(),
    period: { id: 'may', since: SINCE, until: UNTIL },
    now: new Date(UNTIL),
    staleAfterDays: 30,
  });

describe('review collection (pure, over a seeded history)', () => {
  it('counts the period’s requests by category, risk and outcome', () => {
    const s = collect();
    expect(s.totals.requests).to.equal(6);
    expect(s.totals.byRisk).to.deep.equal({ low: 3, high: 3 });
    expect(s.totals.byOutcome).to.deep.equal({
      granted: 1,
      revoked: 2,
      'revocation-failed': 1,
      declined: 1,
      expired: 0,
      cancelled: 0,
      pending: 1,
    });
    expect(s.byCategory.map((c) => [c.id, c.total, c.byRisk.low, c.byRisk.high])).to.deep.equal([
      ['shared-account', 4, 3, 1],
      ['vendor-access', 2, 0, 2],
    ]);
    expect(s.byCategory[1].byOutcome['revocation-failed']).to.equal(1);
    expect(s.byCategory[1].byOutcome.pending).to.equal(1);
  });

  it('says who approved what, per risk, and how long approvals took', () => {
    const s = collect();
    expect(s.approvers.map((a) => [a.id, a.total, a.byRisk.low, a.byRisk.high])).to.deep.equal([
      ['acc-alice', 3, 2, 1],
      ['acc-bob', 2, 0, 2],
      ['acc-carl', 1, 0, 1],
    ]);
    // Waits: r3 10m, r1 30m, r5 1h, r2 2h.
    expect(s.timeToApproval.all).to.deep.equal({ count: 4, medianMs: 45 * M, p90Ms: 2 * H });
    expect(s.timeToApproval.low).to.deep.equal({ count: 2, medianMs: 45 * M, p90Ms: H });
    expect(s.timeToApproval.high).to.deep.equal({ count: 2, medianMs: 65 * M, p90Ms: 2 * H });
  });

  it('compares granted with requested durations and flags the capped grant', () => {
    const s = collect();
    expect(s.durations.rows.map((d) => d.ticket)).to.deep.equal(['CRED-1', 'CRED-2', 'CRED-3', 'CRED-5']);
    expect(s.durations.capped).to.equal(1);
    expect(s.durations.rows.find((d) => d.ticket === 'CRED-2')).to.include({
      requestedMs: 8 * H,
      grantedMs: 4 * H,
      capped: true,
    });
    expect(s.durations.rows.find((d) => d.ticket === 'CRED-5')?.actualMs).to.equal(null);
  });

  it('sorts revocations into on time, late (provider acted 5 min after the expiry) and failed', () => {
    const s = collect();
    expect(s.revocations.rows.map((r) => [r.ticket, r.status, r.lagMs])).to.deep.equal([
      ['CRED-1', 'on-time', 20_000],
      ['CRED-2', 'late', 5 * M],
      ['CRED-3', 'failed', null],
    ]);
    expect([s.revocations.onTime, s.revocations.late, s.revocations.failed]).to.deep.equal([1, 1, 1]);
  });

  it('lists grants still active and counts them per system', () => {
    const s = collect();
    expect(s.activeGrants.map((g) => g.ticket)).to.deep.equal(['CRED-5']);
    expect(s.activeBySystem).to.deep.equal([
      { system: 'etl', count: 1 },
      { system: 'reporting-db', count: 1 },
    ]);
  });

  it('buckets requests per day of the month, by risk', () => {
    const { unit, buckets } = collect().requestsOverTime;
    expect(unit).to.equal('day');
    expect(buckets).to.have.length(31);
    const nonEmpty = buckets
      .filter((b) => b.byRisk.low + b.byRisk.high)
      .map((b) => [b.label, b.byRisk.low, b.byRisk.high]);
    expect(nonEmpty).to.deep.equal([
      ['May 3', 1, 1],
      ['May 10', 0, 1],
      ['May 20', 1, 0],
      ['May 28', 1, 0],
      ['May 31', 0, 1],
    ]);
  });

  it('proposes the stale account and the enabled one nobody holds; never one with an active grant or already disabled', () => {
    const s = collect();
    expect(s.candidates.map((c) => [c.key, c.reasons, c.lastUsedSource, c.lastUsedAt])).to.deep.equal([
      ['builtin|svc_legacy', ['stale'], 'last-grant', '2026-03-01T14:00:00.000Z'],
      ['corp-ad|svc_prod', ['expired-enabled'], 'provider', '2026-05-25T08:00:00.000Z'],
    ]);
    expect(s.candidates[1].target?.provider).to.equal('corp-ad');
    expect(s.accounts).to.deep.equal({ inspected: 2, uninspected: 3 });
  });

  it('is a function of its inputs: the same history gives the same review', () => {
    expect(collect()).to.deep.equal(collect());
  });

  it('computes median and p90 like the report says (mean of the middle two; nearest rank)', () => {
    expect(stats([])).to.deep.equal({ count: 0, medianMs: null, p90Ms: null });
    expect(stats([5])).to.deep.equal({ count: 1, medianMs: 5, p90Ms: 5 });
    expect(stats([10, 1, 4, 3, 2, 9, 8, 7, 6, 5])).to.deep.equal({ count: 10, medianMs: 5.5, p90Ms: 9 });
  });

  it('lists every break-glass grant of the period with who confirmed it and what became of it', () => {
    const [template] = seededRequests().filter((r) => r.grantedAt && r.grantedAt >= SINCE);
    const glass = (id: string, key: string, state: CredentialRequest['state'], confirmed: boolean) => ({
      ...template,
      id,
      ticket: { ...template.ticket, id, key },
      state,
      breakGlass: {
        needed: 2,
        deadline: template.grantedAt!,
        approvals: [{ actor: alice, step: 'it-approver', at: template.grantedAt!, historyId: `${id}-1` }],
        confirmedAt: confirmed ? template.grantedAt : null,
      },
    });
    const s = collectReview({
      requests: [
        ...seededRequests(),
        glass('bg-1', 'CRED-91', 'revoked', false),
        glass('bg-2', 'CRED-92', 'granted', true),
        glass('bg-3', 'CRED-93', 'granted', false),
      ],
      audit: seededAudit(),
      accounts: observe(),
      period: { id: 'may', since: SINCE, until: UNTIL },
      now: new Date(UNTIL),
      staleAfterDays: 30,
    });
    expect(s.breakGlass.map((b) => [b.ticket, b.status, b.confirmedBy.join(',')])).to.deep.equal([
      ['CRED-91', 'unconfirmed', 'Alice Approver'],
      ['CRED-92', 'confirmed', 'Alice Approver'],
      ['CRED-93', 'pending', 'Alice Approver'],
    ]);
    expect(collect().breakGlass, 'ordinary grants are not break-glass').to.deep.equal([]);
  });
});
