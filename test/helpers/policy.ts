import { compilePolicy, type Policy } from '../../src/policy/policy';
import { loadPolicy } from '../../src/policy/policy';
import { resolve } from 'node:path';
import { parseDuration } from '../../src/policy/parse-duration';

/** The policy shipped in config/: tests exercise exactly what a newcomer runs. */
export const shippedPolicy = (): Policy => loadPolicy(resolve(__dirname, '../../config/policy.yaml'));

/** A small policy with short durations, for scenarios that wait for real timers. */
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
      {
        id: 'shared-account',
        name: 'Generic or shared account',
        when: { any: [{ fact: 'issueType', operator: 'matches', value: '^credential request$' }] },
        required: ['systems', 'account', 'access', 'justification', 'duration'],
        path: 'standard',
      },
    ],
    risk: {
      rules: [
        {
          id: 'production-system',
          description: 'a production system is involved',
          when: { any: [{ fact: 'systems', operator: 'matches', value: 'prod' }] },
          risk: 'high',
        },
      ],
    },
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
