import type { ZodError } from 'zod';

/** One line per problem, naming the key as a dotted path, so an operator knows what to fix. */
export function formatZodError(error: ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    return `  - ${key}: ${issue.message}`;
  });
  return `${source} is invalid:\n${lines.join('\n')}`;
}
