import { CONNECTORS } from '../../connectors';
import type { Config } from '../config/load-config';
import { nextRuns } from '../policy/compile-checks';
import { type ConfiguredGroups, describeProblems, policyConfigProblems } from '../policy/config-checks';
import type { Policy } from '../policy/policy';
import { CredgateError } from '../util/errors';

/** Approver groups each configured connector lists itself, instead of reading them from the vendor. */
export function configuredGroups(config: Config): ConfiguredGroups[] {
  const out: ConfiguredGroups[] = [];
  for (const def of CONNECTORS) {
    const section = config[def.id] as {
      groupMembers?: Record<string, unknown>;
      approverTeams?: Record<string, unknown>;
    };
    if (!section || !def.isConfigured(section as never)) continue;
    if (section.groupMembers) out.push({ connector: def.id, groups: Object.keys(section.groupMembers) });
    else if (def.id === 'github' && section.approverTeams && Object.keys(section.approverTeams).length)
      out.push({ connector: def.id, groups: Object.keys(section.approverTeams) });
  }
  return out;
}

/**
 * `credgate policy check`: the policy compiled as the service compiles it (loadPolicy already
 * refused bad operators, facts, regexes, cron and durations), then checked against the
 * configuration: the providers bindings name and the approver groups the connectors list.
 */
export function policyCheckReport(path: string, policy: Policy, config: Config, now: Date): string[] {
  const providers = ['builtin', ...Object.keys(config.providers ?? {})];
  const problems = policyConfigProblems(policy.document, providers, configuredGroups(config));
  if (problems.length)
    throw new CredgateError('config', describeProblems(`policy file ${path} (with ${config.source})`, problems));
  const doc = policy.document;
  const lines = [
    `${path}: valid`,
    `categories: ${doc.categories.map((c) => `${c.id} (requires ${c.required.join(', ') || 'nothing'}; path ${c.path})`).join('; ')}`,
    `risk rules: ${doc.risk.rules.map((r) => `${r.id} → ${r.risk}`).join(', ') || 'none (everything is low risk)'}`,
    `approval paths: ${Object.keys(doc.approvals.paths).join(', ')}`,
    `durations: default ${doc.durations.default}, max low ${doc.durations.max.low}, max high ${doc.durations.max.high}`,
    `provider bindings: ${doc.providers.map((b) => `${b.id} → ${b.provider}`).join(', ') || 'none (the builtin ledger)'}`,
  ];
  if (doc.review)
    lines.push(
      `review: "${doc.review.schedule}", next runs ${nextRuns(doc.review.schedule, now, 3)
        .map((d) => d.toISOString())
        .join(', ')}`,
    );
  else lines.push('review: none scheduled');
  return lines;
}
