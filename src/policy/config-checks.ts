import type { PolicyDocument } from './policy-schema';
import type { PolicyProblem } from './compile-checks';

/** Approver groups a connector's configuration lists (`groupMembers`, GitHub's `approverTeams`). */
export interface ConfiguredGroups {
  connector: string;
  groups: string[];
}

/**
 * Every provider a binding names must be configured; with the approver groups listed in a
 * connector's configuration (instead of read from the vendor), every group the policy names must
 * be among them, or nobody could ever approve.
 */
export function policyConfigProblems(
  doc: PolicyDocument,
  providers: readonly string[],
  groups: readonly ConfiguredGroups[] = [],
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  doc.providers.forEach((b, i) => {
    if (!providers.includes(b.provider))
      problems.push({
        path: `providers.${i}.provider`,
        message: `binding "${b.id}" names provider "${b.provider}", which is not configured; configured: ${providers.join(', ')}`,
      });
  });
  const named: { path: string; group: string }[] = [];
  for (const [name, path] of Object.entries(doc.approvals.paths)) {
    for (const risk of ['low', 'high'] as const)
      path[risk].forEach((step, i) =>
        step.groups.forEach((group, j) =>
          named.push({ path: `approvals.paths.${name}.${risk}.${i}.groups.${j}`, group }),
        ),
      );
  }
  doc.review?.approvers.groups.forEach((group, j) => named.push({ path: `review.approvers.groups.${j}`, group }));
  for (const { connector, groups: listed } of groups) {
    for (const { path, group } of named) {
      if (!listed.includes(group))
        problems.push({
          path,
          message: `group "${group}" is not listed in ${connector}'s configured approver groups (${listed.join(', ') || 'none'})`,
        });
    }
  }
  return problems;
}

/** The one message for a list of problems, as the policy's shape errors read. */
export const describeProblems = (source: string, problems: readonly PolicyProblem[]): string =>
  `${source} is invalid:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`;
