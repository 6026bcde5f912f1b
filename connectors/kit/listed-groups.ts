import { SetupProblem } from '../../src/doctor/check';

/**
 * The doctor's group check when a connector's config lists the members itself (`groupMembers`):
 * every approver group of the policy must be there. The vendor is not asked.
 */
export function checkListedGroups(
  connectorId: string,
  groupMembers: Record<string, unknown>,
  approverGroups: readonly string[],
): string {
  const missing = approverGroups.filter((g) => !groupMembers[g]);
  if (missing.length)
    throw new SetupProblem(
      `${missing.map((g) => `"${g}"`).join(', ')} not listed in ${connectorId}.groupMembers`,
      `list the members of each approver group under ${connectorId}.groupMembers, or fix the names in the policy`,
    );
  return `${approverGroups.join(', ')} listed in ${connectorId}.groupMembers`;
}
