/** A per-key cache of lookups: call it with a key and a loader; peek and put serve batch loads. */
export interface CachedLookup<T> {
  (key: string, load: () => Promise<T>): Promise<T>;
  /** The cached value while it is fresh, else undefined. */
  peek(key: string): T | undefined;
  /** Caches a value loaded elsewhere (one batch call for many keys). */
  put(key: string, value: T): void;
}

/**
 * Caches a lookup per key for a while (group memberships, role members, people's names), so a burst
 * of deliveries asks the vendor once. The clock is injected: tests move it instead of sleeping.
 */
export function cachedLookup<T>(ttlMs: number, now: () => number): CachedLookup<T> {
  const entries = new Map<string, { value: T; until: number }>();
  const peek = (key: string): T | undefined => {
    const hit = entries.get(key);
    return hit && hit.until > now() ? hit.value : undefined;
  };
  const put = (key: string, value: T) => void entries.set(key, { value, until: now() + ttlMs });
  const lookup = async (key: string, load: () => Promise<T>): Promise<T> => {
    const hit = entries.get(key);
    if (hit && hit.until > now()) return hit.value;
    const value = await load();
    put(key, value);
    return value;
  };
  return Object.assign(lookup, { peek, put });
}
