import type { Actor } from '../src/domain/ticket';

/**
 * Groups from an operator's `groupMembers` list (group → account ids or emails), the alternative
 * to the ticketing system's own groups that every connector offers. `caseInsensitive` for systems
 * whose logins are (GitHub).
 */
export function configuredGroups(
  groupMembers: Record<string, string[]>,
  actor: Actor,
  caseInsensitive = false,
): string[] {
  const norm = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const ids = [actor.id, actor.email].filter((s): s is string => Boolean(s)).map(norm);
  return Object.entries(groupMembers)
    .filter(([, members]) => members.some((m) => ids.includes(norm(m))))
    .map(([group]) => group);
}
