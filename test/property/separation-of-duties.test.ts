import { expect } from 'chai';
import fc from 'fast-check';
import { decide } from '../../src/engine/decide';
import { compilePolicy } from '../../src/policy/policy';
import type { CredentialRequest } from '../../src/domain/request';
import type { Actor, TicketSnapshot } from '../../src/domain/ticket';
import { votersOf } from '../../src/engine/approval-step';
import { snapshot } from '../helpers/tickets';

// No combination of client overlays, approver sources, group memberships and delegations lets the
// requester approve their own request (themselves or through a delegate), or one person count twice.

const PEOPLE: Actor[] = ['rita', 'alice', 'bob', 'carl', 'dora', 'emil'].map((n) => ({
  id: `acc-${n}`,
  displayName: `${n[0].toUpperCase()}${n.slice(1)} Person`,
  email: `${n}@example.com`,
}));
const REQUESTER = PEOPLE[0];
const T0 = Date.parse('2026-11-23T09:00:00.000Z');

const person = fc.integer({ min: 0, max: PEOPLE.length - 1 });
const stepArb = fc.record({
  kind: fc.constantFrom('group', 'user', 'manager', 'client-owner'),
  count: fc.integer({ min: 1, max: 2 }),
  user: person,
});
const opArb = fc.oneof(
  fc.record({ op: fc.constant('approve' as const), by: person }),
  fc.record({ op: fc.constant('delegate' as const), by: person, to: person, hours: fc.integer({ min: -2, max: 48 }) }),
);
const scenario = fc.record({
  steps: fc.array(stepArb, { minLength: 1, maxLength: 3 }),
  inGroup: fc.array(fc.boolean(), { minLength: PEOPLE.length, maxLength: PEOPLE.length }),
  owners: fc.subarray(PEOPLE.map((p) => p.id)),
  managers: fc.subarray(PEOPLE.map((p) => p.id)),
  overlay: fc.boolean(),
  ops: fc.array(opArb, { minLength: 1, maxLength: 12 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function policyOf(s: Scenario) {
  const steps = s.steps.map((st, i) => ({
    id: `step-${i}`,
    name: `Step ${i}`,
    count: st.count,
    ...(st.kind === 'group' ? { groups: ['approvers'] } : {}),
    ...(st.kind === 'user' ? { users: [PEOPLE[st.user].id] } : {}),
    ...(st.kind === 'manager' || st.kind === 'client-owner' ? { source: st.kind, groups: ['approvers'] } : {}),
  }));
  const base = [{ id: 'base', name: 'Base', groups: ['approvers'] }];
  return compilePolicy({
    version: 1,
    categories: [
      {
        id: 'shared-account',
        name: 'Shared',
        when: { any: [{ fact: 'issueType', operator: 'matches', value: '^credential request$' }] },
        required: ['systems', 'account', 'access', 'justification', 'duration'],
      },
    ],
    risk: { rules: [] },
    durations: { default: '1h', max: { low: '8h', high: '4h' } },
    approvals: { paths: { standard: s.overlay ? { low: base, high: base } : { low: steps, high: steps } } },
    clients: [
      {
        id: 'acme',
        match: ['acme'],
        owners: s.owners,
        ...(s.overlay ? { approvals: { paths: { standard: { low: steps, high: steps } } } } : {}),
      },
    ],
  });
}

async function play(s: Scenario): Promise<CredentialRequest> {
  const policy = policyOf(s);
  const groups = Object.fromEntries(PEOPLE.map((p, i) => [p.id, s.inGroup[i] ? ['approvers'] : []]));
  const base: TicketSnapshot = snapshot({
    reporter: REQUESTER,
    description: `${snapshot().description}\nClient: acme`,
  });
  let d = await decide(
    null,
    { type: 'ticket-observed', snapshot: base, changes: [], groupsByActor: groups, people: { managers: s.managers } },
    { policy, now: new Date(T0) },
  );
  let request = { ...d!.request, outbox: [] };
  const replies: TicketSnapshot['replies'] = [];
  let n = 0;
  for (const op of s.ops) {
    n++;
    const now = new Date(T0 + n * 60_000);
    const actor = PEOPLE[op.by];
    let snap = base;
    let changes: Parameters<typeof decide>[1] extends infer E ? (E extends { changes: infer C } ? C : never) : never =
      [];
    if (op.op === 'delegate') {
      const until = new Date(now.getTime() + op.hours * 3_600_000).toISOString();
      replies.push({
        id: `r-${n}`,
        author: actor,
        body: `/delegate @${PEOPLE[op.to].displayName} until ${until}`,
        at: now.toISOString(),
      });
      snap = { ...base, replies: [...replies] };
    } else {
      changes = [
        {
          id: `h-${n}`,
          actor,
          from: 'Pending approval',
          to: 'Approved',
          position: 'approved',
          at: now.toISOString(),
          bySelf: false,
        },
      ];
      snap = { ...base, replies: [...replies] };
    }
    d = await decide(
      request,
      { type: 'ticket-observed', snapshot: snap, changes, groupsByActor: groups },
      { policy, now },
    );
    request = { ...d!.request, outbox: [] };
    // After each decision, not just at the end.
    check(request);
  }
  return request;
}

function check(r: CredentialRequest): void {
  const voters = r.approvals.flatMap(votersOf);
  expect(voters, 'the requester never approves, directly or through a delegate').not.to.include(REQUESTER.id);
  expect(new Set(voters).size, 'one person counts once across steps').to.equal(voters.length);
  for (const s of r.steps) {
    expect(s.resolved ?? [], 'a source never names the requester as approver').not.to.include(REQUESTER.id);
  }
  if (r.state === 'granted') {
    for (const s of r.steps) expect(r.approvals.filter((a) => a.step === s.id).length).to.equal(s.count);
  }
}

describe('property: separation of duties over overlays, sources and delegations', function () {
  this.timeout(60_000);
  it('never lets the requester approve or a person count twice', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => void (await play(s))),
      { numRuns: 150 },
    );
  });
});
