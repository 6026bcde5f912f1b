/**
 * Property-based tests of policy evaluation and of the engine's decisions. A counterexample here is
 * a security bug: access granted without the approvals policy requires, by the wrong people, for
 * longer than allowed, or left without a revocation.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { decide, type DecideContext } from '../../src/engine/decide';
import { evaluateTicket, type Evaluation } from '../../src/engine/evaluate-ticket';
import { parseDuration } from '../../src/policy/parse-duration';
import type { Policy } from '../../src/policy/policy';
import type { ApprovalStep, CredentialRequest } from '../../src/domain/request';
import { TERMINAL_STATES } from '../../src/domain/request';
import type { Effect } from '../../src/domain/effect';
import type { EngineEvent } from '../../src/domain/event';
import type { Actor, StatusChange, TicketSnapshot, WorkflowPosition } from '../../src/domain/ticket';
import { quickPolicy, shippedPolicy } from '../helpers/policy';
import { GROUPS, approverA, approverB, outsider, owner, requester, snapshot } from '../helpers/tickets';

const shipped = shippedPolicy();
const quick = quickPolicy();
const HOUR = 3_600_000;

// ---------------------------------------------------------------------------------------------
// Ticket snapshots: descriptions made of fact lines people write, labels, issue types, replies.

const LABELS = [
  'Target systems',
  'System',
  'Systems',
  'Account',
  'Shared account',
  'Access',
  'Access level',
  'Permissions',
  'Justification',
  'Reason',
  'Duration',
  'Access duration',
  'Company',
  'Vendor',
  'Contractor',
  'Client',
  'Customer',
  'Nonsense',
];
const VALUES: Record<string, string[]> = {
  systems: ['reporting-db', 'prod-db', 'PROD', 'crm, prod-dc', 'db1; db2', 'N/A', '-', 'reproduction-lab', ''],
  account: ['svc_reports', 'admin', 'root', 'N/A', ''],
  access: ['read-only', 'admin', 'Domain Admin', 'superuser', 'no MFA', 'without SSO', 'write', ''],
  justification: ['monthly report run', '_No response_', 'none', ''],
  duration: [
    '2h',
    '1h',
    '8h',
    '9h',
    '30h',
    '4h30m',
    '1.5h',
    'PT4H',
    'P1D',
    '90 minutes',
    '0.4ms',
    '0.0001ms',
    '500ms',
    '999d',
    '367d',
    'until friday',
    '-1h',
    '0h',
    '1e3h',
    '',
  ],
  company: ['Acme Support', '', 'N/A'],
  client: ['Contoso', '', 'none'],
};
const FACT_OF_LABEL: Record<string, string> = {
  'target systems': 'systems',
  system: 'systems',
  systems: 'systems',
  account: 'account',
  'shared account': 'account',
  access: 'access',
  'access level': 'access',
  permissions: 'access',
  justification: 'justification',
  reason: 'justification',
  duration: 'duration',
  'access duration': 'duration',
  company: 'company',
  vendor: 'company',
  contractor: 'company',
  client: 'client',
  customer: 'client',
  nonsense: 'justification',
};

const factLine = fc
  .tuple(
    fc.constantFrom(...LABELS),
    fc.constantFrom('', '* ', '- ', '| ', '# ', '*'),
    fc.constantFrom(': ', ':', ' = ', '*: ', ':* '),
    fc.boolean(),
    fc.string({ maxLength: 10 }),
  )
  .chain(([label, bullet, sep, known, noise]) => {
    const pool = VALUES[FACT_OF_LABEL[label.toLowerCase()]] ?? [];
    return fc.constantFrom(...pool, noise).map((value) => `${bullet}${label}${sep}${known ? value : noise}`);
  });
const description = fc
  .array(fc.oneof({ weight: 5, arbitrary: factLine }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }), {
    maxLength: 9,
  })
  .map((l) => l.join('\n'));
const person = fc.constantFrom<Actor>(requester, approverA, approverB, owner, outsider);

const arbitrarySnapshot: fc.Arbitrary<TicketSnapshot> = fc
  .record({
    summary: fc.string({ maxLength: 20 }),
    description,
    issueType: fc.constantFrom('Credential request', 'credential request', 'CREDENTIAL REQUEST', 'Bug', 'Task', ''),
    labels: fc.uniqueArray(
      fc.constantFrom(
        'vendor',
        'Contractor',
        'no-mfa',
        'NO-SSO',
        'shared-credential',
        'shared-account',
        'prod',
        'urgent',
      ),
      { maxLength: 3 },
    ),
    reporter: fc.option(person, { nil: null }),
    replies: fc.array(fc.record({ author: person, body: description, at: fc.constant('2026-11-25T10:00:00.000Z') }), {
      maxLength: 2,
    }),
    mappedFacts: fc.dictionary(
      fc.constantFrom('systems', 'account', 'access', 'duration', 'company', 'other'),
      fc.constantFrom('prod-db', 'crm', 'admin', 'read', '3h', '48h', ' ', 'Acme'),
      { maxKeys: 2 },
    ),
    position: fc.constantFrom<WorkflowPosition>('other', 'pending-approval', 'awaiting-info'),
  })
  .map((parts) => snapshot(parts));

const maxForRisk = (policy: Policy, risk: 'low' | 'high') =>
  parseDuration(policy.document.durations.max[risk]) as number;

describe('property: evaluateTicket with the shipped policy', () => {
  it('never throws; a classified ticket has a valid risk, a positive grant within the cap, missing ⊆ required', async () => {
    await fc.assert(
      fc.asyncProperty(arbitrarySnapshot, async (snap) => {
        const ev = await evaluateTicket(snap, shipped);
        if (!ev) return;
        const label = JSON.stringify({ description: snap.description, labels: snap.labels, mapped: snap.mappedFacts });
        expect(
          shipped.document.categories.map((c) => c.id),
          label,
        ).to.include(ev.category.id);
        expect(['low', 'high'], label).to.include(ev.risk);
        expect(Number.isInteger(ev.grantMs) && ev.grantMs > 0, `grantMs ${ev.grantMs} for ${label}`).to.equal(true);
        expect(ev.grantMs, label).to.be.at.most(shipped.maxDurationMs(ev.category, ev.risk).ms);
        expect(ev.grantMs, label).to.be.at.most(maxForRisk(shipped, ev.risk));
        for (const m of ev.missing) expect(ev.category.required, label).to.include(m);
        for (const i of ev.invalid) expect(i.fact, label).to.equal('duration');
        expect(ev.steps, label).to.deep.equal(shipped.approvalSteps(ev.category, ev.risk));
        expect(ev.steps.length, label).to.be.greaterThan(0);
        if (ev.requestedMs !== null) {
          expect(ev.grantMs, label).to.equal(Math.min(ev.requestedMs, shipped.maxDurationMs(ev.category, ev.risk).ms));
          expect(ev.capRule !== null, label).to.equal(ev.requestedMs > ev.grantMs);
        }
        if (ev.risk === 'high') expect(ev.riskRules.length, label).to.be.greaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('what the shipped policy calls high risk is never assessed low (production, admin, no MFA, > 8 h, vendor)', async () => {
    await fc.assert(
      fc.asyncProperty(arbitrarySnapshot, async (snap) => {
        const ev = await evaluateTicket(snap, shipped);
        if (!ev) return;
        const f = ev.facts;
        const hours = (parseDuration(f.duration) ?? 0) / HOUR;
        const reasons = [
          f.systems.some((s) => /prod/i.test(s)) && 'production',
          /admin|root|owner|superuser|domain admin/i.test(f.access) && 'admin',
          ev.category.id === 'no-mfa-system' && 'no-mfa',
          hours > 8 && 'long',
          f.company.trim() !== '' && 'external',
        ].filter(Boolean);
        if (reasons.length) expect(ev.risk, `${reasons.join(', ')}: ${JSON.stringify(f)}`).to.equal('high');
        // A stated company always takes the vendor path, whatever else matched.
        if (f.company.trim() !== '') expect(ev.category.id).to.equal('vendor-access');
      }),
      { numRuns: 400 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// decide over random histories.

const security: Actor = { id: 'acc-sam', displayName: 'Sam Security' };
const self: Actor = { id: 'acc-credgate', displayName: 'credgate' };
const groupsOf: Record<string, string[]> = {
  ...GROUPS,
  [security.id]: ['security-approvers'],
  [self.id]: ['credential-approvers'],
};
const ACTORS: Actor[] = [
  requester,
  approverA,
  approverB,
  owner,
  outsider,
  security,
  self,
  { ...approverA, displayName: 'Alice (renamed)' },
];

const STATUS_OF: Record<WorkflowPosition, string[]> = {
  approved: ['Approved'],
  declined: ['Declined'],
  closed: ['Done', 'Closed'],
  'pending-approval': ['Pending approval'],
  'awaiting-info': ['Waiting for requester'],
  granted: ['Access granted'],
  revoked: ['Access revoked'],
  expired: ['Declined'],
  other: ['In Progress', 'Open'],
  'revocation-failed': ['Revocation failed'],
};
const POSITIONS = Object.keys(STATUS_OF) as WorkflowPosition[];

/** Descriptions that steer the quick policy to each category and risk. */
const DESCRIPTIONS = [
  'Target systems: reporting-db\nAccount: svc_reports\nAccess: read-only\nJustification: monthly report run\nDuration: 2h',
  'Target systems: reporting-db\nAccount: svc_reports\nAccess: read-only\nJustification: monthly report run\nDuration: 2h 30m',
  'Target systems: prod-db\nAccount: svc_reports\nAccess: read-only\nJustification: monthly report run\nDuration: 2h',
  'Target systems: reporting-db\nAccount: svc_reports\nAccess: admin\nJustification: monthly report run\nDuration: 30h',
  'Target systems: crm\nAccount: a\nAccess: r\nJustification: j\nDuration: 1h\nCompany: Acme Support\nClient: Contoso',
  'Target systems: prod-crm\nAccount: a\nAccess: r\nJustification: j\nDuration: 1h\nCompany: Acme Support\nClient: Contoso',
  'Target systems: crm\nAccount: admin',
  'Target systems: crm\nAccount: a\nAccess: r\nJustification: j\nDuration: until friday',
  'Target systems: crm\nAccount: a\nAccess: r\nJustification: j\nDuration: 0.4ms',
  'The printer is jammed',
];

interface Edit {
  description: number;
  labels: string[];
  issueType: string;
  /** null: the requester; 'nobody': no reporter (a deleted user); otherwise an index into ACTORS. */
  reporter: number | null | 'nobody';
}
type Action =
  | {
      kind: 'changes';
      changes: { actor: number; position: WorkflowPosition; status: number; bySelf: boolean }[];
      edit: Edit | null;
      shuffle: boolean;
    }
  | { kind: 'edit'; edit: Edit }
  | { kind: 'timer'; timer: 'pending-timeout' | 'reminder' | 'expiry'; current: boolean; lateMs: number }
  | { kind: 'tick'; ms: number };

const edit: fc.Arbitrary<Edit> = fc.record({
  description: fc.nat({ max: DESCRIPTIONS.length - 1 }),
  labels: fc.uniqueArray(fc.constantFrom('vendor', 'no-mfa', 'shared-account'), { maxLength: 2 }),
  issueType: fc.constantFrom('Credential request', 'Credential request', 'Bug'),
  reporter: fc.oneof(
    { weight: 12, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constant('nobody' as const) },
    { weight: 2, arbitrary: fc.nat({ max: ACTORS.length - 1 }) },
  ),
});
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('changes' as const),
      changes: fc.array(
        fc.record({
          actor: fc.nat({ max: ACTORS.length - 1 }),
          position: fc.oneof(
            { weight: 4, arbitrary: fc.constant<WorkflowPosition>('approved') },
            { weight: 3, arbitrary: fc.constantFrom(...POSITIONS) },
          ),
          status: fc.nat({ max: 1 }),
          bySelf: fc.boolean(),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      edit: fc.option(edit, { freq: 4 }),
      shuffle: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('edit' as const), edit }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('timer' as const),
      timer: fc.constantFrom('pending-timeout' as const, 'reminder' as const, 'expiry' as const),
      current: fc.boolean(),
      lateMs: fc.oneof(fc.constant(0), fc.nat({ max: 3 * 24 * HOUR })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.nat({ max: 100 * HOUR }) }) },
);

const scenario = fc.record({
  policy: fc.constantFrom('quick' as const, 'shipped' as const),
  first: edit,
  firstPosition: fc.constantFrom<WorkflowPosition>('other', 'other', 'pending-approval', 'approved'),
  early: fc.array(
    fc.record({
      actor: fc.nat({ max: ACTORS.length - 1 }),
      position: fc.constantFrom<WorkflowPosition>('approved', 'other'),
    }),
    { maxLength: 2 },
  ),
  actions: fc.array(action, { minLength: 1, maxLength: 14 }),
});

const T0 = Date.parse('2026-11-25T10:00:00.000Z');

function snapshotOf(e: Edit, position: WorkflowPosition): TicketSnapshot {
  return snapshot({
    description: DESCRIPTIONS[e.description],
    labels: e.labels,
    issueType: e.issueType,
    reporter: e.reporter === null ? requester : e.reporter === 'nobody' ? null : ACTORS[e.reporter],
    position,
  });
}

/** True when `actor` may sign for `step` (the engine's own rule, restated). */
const memberOf = (actor: Actor, step: ApprovalStep) =>
  (groupsOf[actor.id] ?? []).some((g) => step.groups.map((x) => x.toLowerCase()).includes(g.toLowerCase())) ||
  step.users.some((u) =>
    [actor.id, actor.email]
      .filter(Boolean)
      .map((s) => String(s).toLowerCase())
      .includes(u.toLowerCase()),
  );

/** The approvals satisfy the steps: enough distinct, eligible, non-requester people per step. */
function checkApprovals(
  r: CredentialRequest,
  steps: ApprovalStep[],
  history: StatusChange[],
  requesterId: string | null,
  why: string,
) {
  const ids = r.approvals.map((a) => a.actor.id);
  expect(new Set(ids).size, `${why}: approvers not distinct: ${ids}`).to.equal(ids.length);
  for (const a of r.approvals) {
    expect(a.actor.id, `${why}: the requester approved their own request`).not.to.equal(requesterId);
    expect(a.actor.id, `${why}: credgate's own change counted as an approval`).not.to.equal(self.id);
    const step = steps.find((s) => s.id === a.step);
    expect(step, `${why}: approval for unknown step ${a.step}`).not.to.equal(undefined);
    expect(memberOf(a.actor, step!), `${why}: ${a.actor.id} is not in ${JSON.stringify(step)}`).to.equal(true);
    // Each approval is a real transition to an approved status by that person, not credgate's own.
    const source = history.find((c) => c.id === a.historyId);
    expect(source, `${why}: approval without a transition`).not.to.equal(undefined);
    expect(source!.actor.id).to.equal(a.actor.id);
    expect(source!.position).to.equal('approved');
    expect(source!.bySelf).to.equal(false);
  }
  for (const s of steps) {
    const n = r.approvals.filter((a) => a.step === s.id).length;
    expect(n, `${why}: step ${s.id} needs ${s.count}, has ${n}`).to.be.at.least(s.count);
  }
}

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function runScenario(sc: Scenario): Promise<void> {
  const policy = sc.policy === 'quick' ? quick : shipped;
  let now = T0;
  const ctx = (): DecideContext => ({ policy, now: new Date(now) });
  let seq = 0;
  const history: StatusChange[] = [];
  const addChange = (actor: Actor, position: WorkflowPosition, status: number, bySelf: boolean) => {
    const names = STATUS_OF[position];
    history.push({
      id: String(++seq),
      actor,
      from: 'Pending approval',
      to: names[status % names.length],
      position,
      at: new Date(now).toISOString(),
      bySelf,
    });
  };
  for (const e of sc.early) addChange(ACTORS[e.actor], e.position, 0, false);

  let current = snapshotOf(sc.first, sc.firstPosition);
  const observe = (changes = history): EngineEvent => ({
    type: 'ticket-observed',
    snapshot: current,
    changes,
    groupsByActor: groupsOf,
  });
  const first = await decide(null, observe(), ctx());
  if (!first) return;
  let r: CredentialRequest = { ...first.request, outbox: [] };
  const requesterId = r.requester?.id ?? null;
  let grants = 0;
  /** Transitions up to this id were made before the facts and assessment now in force: none may count. */
  let resetAt = seq;
  /** The ticket as of the last observation before the current event. */
  let seen = current;
  const log: string[] = [`new: ${r.state} ${r.risk} ${r.category.id}`];

  for (const a of sc.actions) {
    const before = r;
    let event: EngineEvent;
    if (a.kind === 'tick') {
      now += a.ms;
      continue;
    }
    if (a.kind === 'timer') {
      const due = r.timers[a.timer];
      const dueAt = a.current && due ? due : new Date(now - HOUR).toISOString();
      // A job fires at or after its due time.
      now = Math.max(now, Date.parse(dueAt)) + a.lateMs;
      event = { type: 'timer-fired', timer: a.timer, dueAt };
    } else {
      if (a.edit) current = snapshotOf(a.edit, current.position);
      if (a.kind === 'changes')
        for (const c of a.changes)
          addChange(ACTORS[c.actor], c.position, c.status, c.bySelf || ACTORS[c.actor].id === self.id);
      const changes = a.kind === 'changes' && a.shuffle ? [...history].reverse() : history;
      event = observe(changes);
      now += 1000;
    }
    const d = await decide(r, event, ctx());
    const lastSeen = seen;
    if (event.type === 'ticket-observed') seen = event.snapshot;
    expect(d, 'an existing request always gets a decision').not.to.equal(null);
    const next = d!.request;
    const effects: Effect[] = next.outbox;
    const why = `${log.join(' | ')} | ${JSON.stringify(a)} → ${next.state}`;
    log.push(
      `${a.kind}${a.kind === 'changes' ? a.changes.map((c) => `(${ACTORS[c.actor].id}→${c.position}${c.bySelf ? ' self' : ''})`).join('') : ''}${'edit' in a && a.edit ? ` edit#${a.edit.description}[${a.edit.labels}]${a.edit.issueType}` : ''} → ${next.state}/${next.risk}/${next.category.id}`,
    );
    if (!d!.changed) expect(effects, `${why}: unchanged but owes effects`).to.deep.equal([]);

    // Terminal states are final.
    if (TERMINAL_STATES.includes(before.state)) expect(next.state, why).to.equal(before.state);
    // Whatever is granted has approvals that satisfy the steps, and a durable revocation.
    const grantIdx = effects.findIndex((e) => e.kind === 'grant');
    if (grantIdx >= 0) {
      grants++;
      expect(grants, `${why}: granted twice`).to.equal(1);
      expect(before.state, `${why}: granted from ${before.state}`).to.equal('pending-approval');
      const scheduleIdx = effects.findIndex((e) => e.kind === 'schedule' && e.timer === 'expiry');
      expect(scheduleIdx, `${why}: the expiry is not scheduled before the grant`).to.be.within(0, grantIdx - 1);
      checkApprovals(next, next.steps, history, requesterId, why);
      for (const ap of next.approvals)
        expect(
          Number(ap.historyId),
          `${why}: approval ${ap.historyId} predates the facts or assessment it is counted for`,
        ).to.be.greaterThan(resetAt);
      // The steps are what policy requires for the ticket as credgate last saw it before these
      // transitions: an edit observed together with the final approval is judged after it (and
      // ignored once granted: changed-after-grant), so the grant is for the facts approved.
      const ev: Evaluation | null = await evaluateTicket(lastSeen, policy);
      if (ev) {
        expect(
          { category: next.category.id, risk: next.risk },
          `${why}: granted under a stale assessment`,
        ).to.deep.equal({ category: ev.category.id, risk: ev.risk });
        expect(next.steps, `${why}: granted under stale approval steps`).to.deep.equal(ev.steps);
        checkApprovals(next, ev.steps, history, requesterId, `${why} (policy now)`);
      }
      expect(next.grantMs, why).to.be.greaterThan(0);
      expect(next.grantMs, why).to.be.at.most(maxForRisk(policy, next.risk));
    }
    if (next.state === 'granted') {
      expect(next.timers.expiry, `${why}: granted without an expiry timer`).to.be.a('string');
      expect(next.timers.expiry, why).to.equal(next.expiresAt);
      expect(Date.parse(next.expiresAt!) - Date.parse(next.grantedAt!), why).to.equal(next.grantMs);
    }
    // Access that ends is revoked.
    if (before.state === 'granted' && next.state !== 'granted') {
      expect(
        effects.some((e) => e.kind === 'revoke'),
        `${why}: left granted without a revoke`,
      ).to.equal(true);
    }
    if (next.state !== 'granted' && before.state !== 'granted' && grantIdx < 0) {
      expect(
        effects.some((e) => e.kind === 'revoke' || e.kind === 'grant'),
        why,
      ).to.equal(false);
    }
    // An open request always has a pending timeout, so none waits forever.
    if (next.state === 'awaiting-info' || next.state === 'pending-approval') {
      expect(next.timers['pending-timeout'], `${why}: open without a pending timeout`).to.be.a('string');
    }
    const open = next.state === 'awaiting-info' || next.state === 'pending-approval';
    if (
      open &&
      (next.factsFingerprint !== before.factsFingerprint ||
        next.risk !== before.risk ||
        next.category.id !== before.category.id)
    )
      resetAt = seq;
    r = { ...next, outbox: [] };
  }
}

const DECIDE_RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

describe('property: decide over random histories of status changes, edits and timers', function () {
  this.timeout(Math.max(60_000, DECIDE_RUNS * 60));

  it('never throws, never grants without the approvals policy requires, never leaves access without an expiry', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (sc) => runScenario(sc)),
      { numRuns: DECIDE_RUNS },
    );
  });
});
