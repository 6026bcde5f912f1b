import { Engine } from 'json-rules-engine';

/**
 * json-rules-engine with the operators credgate's policy files need beyond the built-in ones
 * (equal, notEqual, in, notIn, contains, doesNotContain, lessThan, greaterThan...).
 */
export function createRuleEngine(): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  // Case-insensitive regular expression; on a list fact, true when any element matches.
  engine.addOperator('matches', (factValue: unknown, pattern: unknown) => {
    const re = new RegExp(String(pattern), 'i');
    const values = Array.isArray(factValue) ? factValue : [factValue];
    return values.some((v) => typeof v === 'string' && re.test(v));
  });
  engine.addOperator('present', (factValue: unknown, expected: unknown) => {
    const present = Array.isArray(factValue)
      ? factValue.length > 0
      : typeof factValue === 'string' && factValue.trim() !== '';
    return present === (expected !== false);
  });
  // Case-insensitive membership for list facts such as labels and systems.
  engine.addOperator('includes', (factValue: unknown, wanted: unknown) => {
    const values = (Array.isArray(factValue) ? factValue : [factValue]).map((v) => String(v).toLowerCase());
    const targets = (Array.isArray(wanted) ? wanted : [wanted]).map((v) => String(v).toLowerCase());
    return targets.some((t) => values.includes(t));
  });
  return engine;
}

/** The operators a condition may name, as json-rules-engine resolves them (decorators such as `not:` included). */
export function knownOperator(name: string): boolean {
  const engine = createRuleEngine() as unknown as { operators: { get(name: string): unknown } };
  return engine.operators.get(name) != null;
}

/** Operator names for messages: json-rules-engine's built-in ones and credgate's. */
export const OPERATOR_NAMES = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
  'matches',
  'includes',
  'present',
];
