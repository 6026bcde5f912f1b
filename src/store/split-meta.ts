import type { Namespace, StoreEngine } from './store-engine';

/** As long as the inbox remembers a delivery id (src/pipeline/inbox.ts DEDUPE_TTL_MS). */
const DELIVERY_MARKER_TTL_MS = 14 * 86_400_000;

/**
 * Where each kind of record that used to share the `meta` namespace lives now, by key prefix.
 * Durable records move as they are; a delivery marker moves with a fresh dedupe window (keyv does
 * not hand out the old expiry), which only makes a redelivery harmless for longer. Desk sessions
 * and sign-ins in progress are not moved: they are short-lived credentials, people sign in again.
 */
const MOVES: { prefix: string; to: Namespace | null; ttlMs?: number }[] = [
  { prefix: 'holders:', to: 'access_holders' },
  { prefix: 'grant-detail:', to: 'grant_details' },
  { prefix: 'audit-sink:', to: 'sink_cursors' },
  { prefix: 'delivery:', to: 'deliveries', ttlMs: DELIVERY_MARKER_TTL_MS },
  { prefix: 'desk-session:', to: null },
  { prefix: 'desk-sso:', to: null },
];

/**
 * Moves what a store written before the split still holds in `meta` into its own namespace, once,
 * at open; returns how many records it moved. Set-if-absent, so a replica starting at the same
 * time, or one already running the new code and writing the new namespace, never loses an update
 * to this copy. A key of no known kind stays where it is.
 */
export async function splitLegacyMeta(engine: StoreEngine): Promise<number> {
  const meta = engine.keyv('meta');
  if (!meta.iterator) return 0;
  // Keys first, moves after: deleting while a paged iterator runs would shift its pages.
  const found: [string, unknown][] = [];
  for await (const [key, value] of meta.iterator(undefined)) found.push([String(key), value]);
  let moved = 0;
  for (const [key, value] of found) {
    const move = MOVES.find((m) => key.startsWith(m.prefix));
    if (!move) continue;
    if (move.to) {
      await engine.setIfAbsent(move.to, key, value, move.ttlMs);
      moved++;
    }
    await meta.delete(key);
  }
  return moved;
}
