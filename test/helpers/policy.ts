import { compilePolicy, type Policy } from '../../src/policy/policy';
import { loadPolicy } from '../../src/policy/policy';
import { resolve } from 'node:path';
import { parseDuration } from '../../src/policy/parse-duration';

/** The policy shipped in config/: tests exercise exactly what a newcomer runs. */
export const shippedPolicy = (): Policy => loadPolicy(resolve(__dirname, '../../config/policy.yaml'));

/** A small policy with short durations, for scenarios that wait for real timers. */
/** The shipped policy's shared-account category and production rule, which the test policies share (fresh objects: a test may edit what it gets). */
const sharedAccount = () => ({
  id: 'shared-account',
  name: 'Generic or shared account',
  when: { any: [{ fact: 'issueType', operator: 'matches', value: '^credential request$' }] },
  required: ['systems', 'account', 'access', 'justification', 'duration'],
  path: 'standard',
});
const productionSystem = () => ({
  id: 'production-system',
  description: 'a production system is involved',
  when: { any: [{ fact: 'systems', operator: 'matches', value: 'prod' }] },
  risk: 'high',
});

export function quickPolicy(
  overrides: { max?: string; reminderBefore?: string; pendingTimeout?: string; providers?: unknown[] } = {},
): Policy {
  return compilePolicy({
    version: 1,
    categories: [
      {
        id: 'vendor-access',
        name: 'Temporary vendor or contractor access',
        when: { any: [{ fact: 'external', operator: 'equal', value: true }] },
        required: ['systems', 'account', 'access', 'justification', 'duration', 'company', 'client'],
        path: 'vendor',
      },
      sharedAccount(),
    ],
    risk: { rules: [productionSystem()] },
    // The default may not exceed a maximum (policy check refuses it): a short max shortens it too.
    durations: {
      default: overrides.max && (parseDuration(overrides.max) ?? 0) < 3_600_000 ? overrides.max : '1h',
      max: { low: overrides.max ?? '8h', high: overrides.max ?? '4h' },
    },
    approvals: {
      paths: {
        standard: {
          low: [{ id: 'it-approver', name: 'IT approver', groups: ['credential-approvers'], count: 1 }],
          high: [{ id: 'it-approver', name: 'IT approver', groups: ['credential-approvers'], count: 2 }],
        },
        vendor: {
          low: [
            { id: 'it-approver', name: 'IT approver', groups: ['credential-approvers'], count: 1 },
            { id: 'client-owner', name: 'Client owner', groups: ['client-owners'], count: 1 },
          ],
          high: [
            { id: 'it-approver', name: 'IT approver', groups: ['credential-approvers'], count: 1 },
            { id: 'client-owner', name: 'Client owner', groups: ['client-owners'], count: 1 },
          ],
        },
      },
    },
    lifecycle: { pendingTimeout: overrides.pendingTimeout ?? '72h', reminderBefore: overrides.reminderBefore ?? '1h' },
    ...(overrides.providers ? { providers: overrides.providers } : {}),
  });
}

/**
 * A policy routing approvals the way an MSP does: a client overlay for ACME (its owner signs,
 * production is not high risk there, grants are shorter), a manager step counted in business hours
 * with a fallback, system owners from a catalogue, and a reminder and escalation on the IT step.
 */
export function routingPolicyDocument(): Record<string, unknown> {
  const it = {
    id: 'it-approver',
    name: 'IT approver',
    groups: ['credential-approvers'],
    remindAfter: '2h',
    escalateAfter: '4h',
    escalateTo: { groups: ['it-leads'] },
  };
  return {
    version: 1,
    categories: [
      {
        id: 'managed-access',
        name: 'Access signed by the line manager',
        when: { any: [{ fact: 'labels', operator: 'contains', value: 'managed' }] },
        required: ['systems', 'account', 'access', 'justification', 'duration'],
        path: 'managed',
      },
      sharedAccount(),
    ],
    risk: { rules: [productionSystem()] },
    durations: { default: '1h', max: { low: '8h', high: '4h' } },
    approvals: {
      paths: {
        standard: { low: [it], high: [{ ...it, count: 2 }] },
        managed: {
          low: [
            {
              id: 'manager',
              name: 'Line manager',
              source: 'manager',
              remindAfter: '1h',
              escalateAfter: '2h',
              escalateTo: { users: ['acc-dave'], mode: 'replace' },
              businessHours: true,
            },
            { id: 'system-owner', name: 'System owner', source: 'system-owner' },
          ],
          high: [{ id: 'manager', name: 'Line manager', source: 'manager', count: 1 }],
        },
      },
    },
    clients: [
      {
        id: 'acme',
        name: 'ACME Corp',
        match: ['ACME*'],
        owners: ['acc-carl'],
        approvals: {
          paths: {
            standard: {
              low: [it, { id: 'client-owner', name: 'Client owner', source: 'client-owner' }],
              high: [it, { id: 'client-owner', name: 'Client owner', source: 'client-owner' }],
            },
          },
        },
        durations: { max: { low: '2h' } },
        categories: {
          'shared-account': { required: ['systems', 'account', 'access', 'justification', 'duration', 'company'] },
        },
        risk: { disable: ['production-system'] },
      },
    ],
    systems: [{ match: ['reporting-*'], owners: ['acc-sam'] }],
    calendar: { timeZone: 'Europe/Berlin', holidays: ['2026-12-25'] },
  };
}

export const routingPolicy = (): Policy => compilePolicy(routingPolicyDocument());
