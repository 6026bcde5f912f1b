import type Keyv from 'keyv';
import type { CredentialRequest } from '../domain/request';
import type { DocumentCollection } from '../store/document-collection';
import type { Fence } from '../store/store-engine';
import type { Decision } from '../engine/decide';
import { CredgateError } from '../util/errors';

/** Where decisions are committed: the request documents and the index of outboxes owing effects. */
export interface DecisionStore {
  requests: DocumentCollection<CredentialRequest>;
  /** Requests whose outbox is not empty: the index a sweep drains after a crash. */
  owing: Keyv;
}

/**
 * The one path by which a request changes: read it, let the engine decide, and store the next
 * document (state and owed effects together) with a compare-and-swap on its version. When another
 * writer got there first, the engine decides again on what is stored now. Ticket events, timers,
 * effect outcomes and revealed links all come through here. Returns the stored document, or null
 * when the engine changed nothing. A lease holder (the effect runner) passes its fence.
 */
export async function commitDecision(
  store: DecisionStore,
  requestId: string,
  decideOn: (current: CredentialRequest | null) => Promise<Decision | null>,
  fence?: Fence,
): Promise<CredentialRequest | null> {
  for (let attempt = 1; ; attempt++) {
    const current = await store.requests.get(requestId);
    const decision = await decideOn(current);
    if (!decision?.changed) return null;
    // Index first: if the process dies right after the commit, a sweep still finds the outbox.
    if (decision.request.outbox.length) await store.owing.set(requestId, true);
    const stored = await store.requests.compareAndSet(requestId, current?.version ?? 0, decision.request, fence);
    if (stored) return stored;
    if (attempt >= 20) throw new CredgateError('conflict', `request ${requestId} kept changing under a decision`);
  }
}
