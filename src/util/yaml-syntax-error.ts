import { YAMLError } from 'yaml';

/**
 * A YAML syntax error described by position and key only. The yaml library's own message quotes
 * the offending line with a caret under it, and that line is often `password: "...` or a token: a
 * config error must never show a value, so only what went wrong, where, and the nearest key are kept.
 */
export function describeYamlSyntaxError(err: unknown, source: string): string | null {
  if (!(err instanceof YAMLError)) return null;
  const at = err.linePos?.[0];
  // The first line, before the library adds " at line L, column C:" and the quoted source; some
  // messages end with a value after a colon (an alias name): cut there too.
  const what = err.message.split('\n')[0].split(' at line ')[0].split(':')[0].trim();
  if (!at) return `${what} (${err.code})`;
  const key = nearestKey(source, at.line);
  return `${what} at line ${at.line}, column ${at.col}${key ? ` (under key "${key}")` : ''}`;
}

/** The key defined on `line` (1-based) or the closest line above it; keys are names, never values. */
function nearestKey(source: string, line: number): string | null {
  const lines = source.split(/\r?\n/);
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^\s*(?:-\s+)?([A-Za-z0-9_.$-]+)\s*:(?:\s|$)/.exec(lines[i]);
    if (m) return m[1];
  }
  return null;
}
