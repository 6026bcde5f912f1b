/**
 * Caches a lookup per key for a while (group memberships, role members, people's names), so a burst
 * of deliveries asks the vendor once. The clock is injected: tests move it instead of sleeping.
 */
export function cachedLookup<T>(ttlMs: number, now: () => number) {
  const entries = new Map<string, { value: T; until: number }>();
  return async (key: string, load: () => Promise<T>): Promise<T> => {
    const hit = entries.get(key);
    if (hit && hit.until > now()) return hit.value;
    const value = await load();
    entries.set(key, { value, until: now() + ttlMs });
    return value;
  };
}
