import type { AccountState } from '../types';

/**
 * What a program tells credgate on stdout. The last line that parses as a JSON object is the
 * answer, so a script may print progress before it (PowerShell's Write-Host, `set -x` traces).
 */
function lastJsonObject(
  stdout: string,
  accept: (o: Record<string, unknown>) => boolean,
): Record<string, unknown> | null {
  const lines = stdout.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value) && accept(value as Record<string, unknown>)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // Not JSON: a progress line that happens to start with a brace.
    }
  }
  return null;
}

/** The new secret a rotate program printed, or null when it printed none. */
export function readSecret(stdout: string, from: 'json' | 'stdout'): string | null {
  if (from === 'stdout') {
    const all = stdout.trim();
    return all.length ? all : null;
  }
  const answer = lastJsonObject(stdout, (o) => typeof o.secret === 'string' && o.secret.length > 0);
  return answer ? (answer.secret as string) : null;
}

/** `{"exists":bool,"enabled":bool,"expiresAt"?,"lastUsedAt"?}` from an inspect program, or null. */
export function readAccountState(stdout: string, account: string): AccountState | null {
  return toAccountState(
    lastJsonObject(stdout, (o) => typeof o.exists === 'boolean'),
    account,
  );
}

/** An inspect answer (program or HTTP) as an AccountState; `enabled` defaults to `exists`. Null when it is none. */
export function toAccountState(value: unknown, account: string): AccountState | null {
  if (!value || typeof value !== 'object' || typeof (value as { exists?: unknown }).exists !== 'boolean') return null;
  const answer = value as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.length ? v : null);
  return {
    account,
    exists: answer.exists as boolean,
    enabled: answer.exists === true && answer.enabled !== false,
    expiresAt: text(answer.expiresAt),
    lastUsedAt: text(answer.lastUsedAt),
  };
}
