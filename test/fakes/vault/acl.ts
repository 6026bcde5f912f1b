import type { Capability, PolicyRule } from './types';

/**
 * Vault's built-in `default` policy, the part the fake serves: every token may look itself up,
 * renew and revoke itself, look up and renew leases, and wrap, look up and unwrap.
 */
export const DEFAULT_POLICY: PolicyRule[] = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
  { path: 'auth/token/revoke-self', capabilities: ['update'] },
  { path: 'sys/leases/lookup', capabilities: ['update'] },
  { path: 'sys/leases/renew', capabilities: ['update'] },
  { path: 'sys/wrapping/wrap', capabilities: ['update'] },
  { path: 'sys/wrapping/lookup', capabilities: ['update'] },
  { path: 'sys/wrapping/unwrap', capabilities: ['update'] },
  { path: 'sys/capabilities-self', capabilities: ['update'] },
];

/**
 * Whether the policies allow `capability` on `path`. As in Vault, the most specific matching path
 * decides (an exact path over a glob, a longer glob over a shorter one; rules for the same path in
 * several policies add up) and `deny` beats everything.
 */
export function allowed(policies: PolicyRule[] | 'root', path: string, capability: Capability): boolean {
  if (policies === 'root') return true;
  const matching = [...policies, ...DEFAULT_POLICY].filter((r) => matches(r.path, path));
  if (!matching.length) return false;
  const best = Math.max(...matching.map((r) => priority(r.path)));
  const caps = new Set(matching.filter((r) => priority(r.path) === best).flatMap((r) => r.capabilities));
  return !caps.has('deny') && caps.has(capability);
}

function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const pat = (glob ? pattern.slice(0, -1) : pattern).split('/');
  const parts = path.split('/');
  for (let i = 0; i < pat.length; i++) {
    const last = i === pat.length - 1;
    if (parts[i] === undefined) return false;
    if (pat[i] === '+') continue;
    if (last && glob) return parts[i].startsWith(pat[i]);
    if (pat[i] !== parts[i]) return false;
  }
  return glob || parts.length === pat.length;
}

/** Exact paths first, then globs by length of their fixed part. */
const priority = (pattern: string): number =>
  pattern.endsWith('*') ? pattern.replace(/\+/g, '').length : 10_000 + pattern.length;
