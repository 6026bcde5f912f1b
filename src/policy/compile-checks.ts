import { parseExpression } from 'cron-parser';
import { FACT_NAMES } from '../domain/request';
import { parseDuration } from './parse-duration';
import type { PolicyDocument } from './policy-schema';
import { knownOperator, OPERATOR_NAMES } from './rule-engine';
import { nestedQuantifier } from './regex-safety';

/** What a condition may test (see ruleFacts in policy.ts); risk rules also see `category`. */
export const CONDITION_FACTS: readonly string[] = [
  ...FACT_NAMES,
  'summary',
  'description',
  'issueType',
  'project',
  'labels',
  'requester',
  'external',
  'durationHours',
];
export const RISK_ONLY_FACTS: readonly string[] = ['category'];

export interface PolicyProblem {
  /** Dotted key path in the policy file, as zod's messages name it. */
  path: string;
  message: string;
}

/**
 * What zod's shape check cannot see and would otherwise fail later (or silently): operators and
 * facts conditions name, regular expressions (compiled, and refused when they nest repetitions),
 * the review cron expression, and durations that contradict each other. Pure: no I/O, no clock.
 */
export function policyProblems(doc: PolicyDocument): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  doc.categories.forEach((c, i) =>
    checkCondition(c.when, `categories.${i}.when`, `category "${c.id}"`, CONDITION_FACTS, problems),
  );
  doc.risk.rules.forEach((r, i) =>
    checkCondition(
      r.when,
      `risk.rules.${i}.when`,
      `risk rule "${r.id}"`,
      [...CONDITION_FACTS, ...RISK_ONLY_FACTS],
      problems,
    ),
  );

  const ms = (d: string) => parseDuration(d) as number;
  for (const risk of ['low', 'high'] as const) {
    if (ms(doc.durations.default) > ms(doc.durations.max[risk]))
      problems.push({
        path: 'durations.default',
        message: `the default duration ${doc.durations.default} is longer than durations.max.${risk} (${doc.durations.max[risk]})`,
      });
  }

  if (doc.review) {
    const problem = cronProblem(doc.review.schedule);
    if (problem) problems.push({ path: 'review.schedule', message: problem });
  }
  return problems;
}

/** Why node-schedule would refuse this cron expression (or never fire it), or null. */
export function cronProblem(expression: string): string | null {
  try {
    nextRuns(expression, new Date(0), 1);
    return null;
  } catch (err) {
    return `"${expression}" is not a cron expression that can run: ${(err as Error).message}`;
  }
}

/** The next `count` runs of a cron expression after `from` (server time zone, like node-schedule). */
export function nextRuns(expression: string, from: Date, count: number): Date[] {
  const it = parseExpression(expression, { currentDate: from });
  return Array.from({ length: count }, () => it.next().toDate());
}

function checkCondition(
  node: unknown,
  path: string,
  rule: string,
  facts: readonly string[],
  problems: PolicyProblem[],
): void {
  if (!node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  for (const key of ['all', 'any'] as const) {
    if (Array.isArray(n[key]))
      (n[key] as unknown[]).forEach((child, i) => checkCondition(child, `${path}.${key}.${i}`, rule, facts, problems));
  }
  if (n.not !== undefined) checkCondition(n.not, `${path}.not`, rule, facts, problems);
  if (typeof n.fact !== 'string') return;

  if (!facts.includes(n.fact))
    problems.push({
      path: `${path}.fact`,
      message: `${rule}: unknown fact "${n.fact}"; known: ${facts.join(', ')}`,
    });
  const value = n.value as unknown;
  if (value && typeof value === 'object' && typeof (value as { fact?: unknown }).fact === 'string') {
    const ref = (value as { fact: string }).fact;
    if (!facts.includes(ref))
      problems.push({
        path: `${path}.value.fact`,
        message: `${rule}: unknown fact "${ref}"; known: ${facts.join(', ')}`,
      });
  }
  const operator = String(n.operator);
  if (!knownOperator(operator)) {
    problems.push({
      path: `${path}.operator`,
      message: `${rule}: unknown operator "${operator}"; known: ${OPERATOR_NAMES.join(', ')}`,
    });
    return;
  }
  if (operator.split(':').pop() === 'matches') {
    const problem = regexProblem(value);
    if (problem) problems.push({ path: `${path}.value`, message: `${rule}: ${problem}` });
  }
}

function regexProblem(pattern: unknown): string | null {
  if (typeof pattern !== 'string')
    return `"matches" needs a regular expression as a string, not ${JSON.stringify(pattern)}`;
  try {
    new RegExp(pattern, 'i');
  } catch (err) {
    return `the regular expression "${pattern}" does not compile: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`;
  }
  const nested = nestedQuantifier(pattern);
  return nested ? `the regular expression "${pattern}" is unsafe: ${nested}` : null;
}
