/**
 * Probes for benchmark 7 (bench/grants.ts): whether the ledger's lease keeps provider calls on one
 * access one at a time, measured two ways, and what that means in words for the results.
 */
import { Leases } from '../src/store/leases';
import type { Store } from '../src/store/open-store';
import type { AccessContext, AccessProvider } from '../src/providers/types';

/** The builtin provider, counting its calls in flight per access (the lease should keep that at one). */
export function countingProvider(inner: AccessProvider): {
  provider: AccessProvider;
  maxInFlight: () => number;
  reset(): void;
} {
  const inFlight = new Map<string, number>();
  let max = 0;
  const counted =
    <C extends AccessContext>(call: (ctx: C) => Promise<unknown>) =>
    async (ctx: C) => {
      const key = `${ctx.facts.account}|${ctx.requester?.id}`;
      const now = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, now);
      max = Math.max(max, now);
      try {
        await call(ctx);
      } finally {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
      }
    };
  return {
    provider: { ...inner, grant: counted((c) => inner.grant(c)), revoke: counted((c) => inner.revoke(c)) },
    maxInFlight: () => max,
    reset: () => ((max = 0), inFlight.clear()),
  };
}

/**
 * Whether a lease excludes two concurrent `Leases.run` calls on one name: from one Leases (one
 * owner, as in the service's process) and from two (two owners, as two replicas). Returns the most
 * bodies that ran at once in each case.
 */
export async function leaseExclusion(store: Store): Promise<{ oneOwner: number; twoOwners: number }> {
  const probe = async (leases: Leases[]) => {
    let inside = 0;
    let most = 0;
    const body = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 50));
      inside--;
    };
    const name = `bench-probe:${Math.random().toString(36).slice(2)}`;
    // The second caller retries like AccessLedger.exclusive does, so a refused claim is not lost.
    await Promise.all(
      leases.map(async (l) => {
        while (!(await l.run(name, body))) await new Promise((r) => setTimeout(r, 20));
      }),
    );
    return most;
  };
  const one = new Leases(store.engine);
  return {
    oneOwner: await probe([one, one]),
    twoOwners: await probe([new Leases(store.engine), new Leases(store.engine)]),
  };
}

/** What the lease probes showed, in words: whether one process's concurrent calls exclude each other. */
export function leaseNote(
  exclusion: Record<string, { oneOwner: number; twoOwners: number }>,
  inFlight: Record<string, number>,
): string {
  const stores = Object.keys(exclusion);
  const reentrant = stores.filter((n) => exclusion[n].oneOwner > 1);
  const overlapped = stores.filter((n) => inFlight[n] > 1);
  const seen = stores.map((n) => `${n} ${inFlight[n]}`).join(', ');
  if (!reentrant.length && !overlapped.length) {
    return `Exclusion: two concurrent \`Leases.run\` calls on one name ran one at a time whether they came from one lease owner or two, and at most one provider call ran at a time on the shared access (${seen}).`;
  }
  return (
    `**Exclusion inside one process does not hold.** The service builds one \`Leases\` for its process, so every lease it takes has the same owner, and every engine renews a lease to the owner that already holds it (SQLite: the in-process map; Redis: the ACQUIRE script; PostgreSQL: the upsert's \`WHERE l.owner = EXCLUDED.owner\`). So two concurrent \`Leases.run\` calls on one name from one owner both ran their bodies at once (${reentrant.join(', ') || 'none'}), while from two owners they ran one at a time; and the first to finish releases the lease while the other is still inside. In the concurrent runs on the shared access, the most provider calls running at once on that one access were: ${seen}. ` +
    "In the service, the effect runner drains different requests concurrently, so a revocation and an overlapping grant on the same access can interleave their provider calls (a group removal landing after the other grant's addition) — what `AccessLedger.exclusive` (src/store/access-ledger.ts) is there to prevent. The review job guards the same way correctly, with a KeyMutex in front of its lease (src/review/review-runtime.ts `exclusive`); the ledger has no such in-process lock. " +
    `${overlapped.length ? '' : 'No provider call overlapped in these runs, by timing; the Leases.run probe shows the window exists. '}` +
    'Between replicas (distinct owners) the lease does exclude, and the ledger then waits by polling with sleeps doubling from 20 ms to 500 ms.'
  );
}
