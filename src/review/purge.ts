import type { CredentialRequest } from '../domain/request';
import type { AccessProvider } from '../providers/types';
import type { AccessTarget } from '../domain/access-target';
import { isRetried, retryAfterOf } from '../util/retry-policy';
import { backoffMs } from '../effects/backoff';
import { scrubPatterns } from '../util/logger';
import { accountKey } from './account-findings';
import type { PurgeCandidate } from './review-types';
import type { PurgeStatus, ReviewDocument } from './review-store';
import { purgeActionText } from './review-views';

/** The target of requests no policy binding matched: the builtin provider's. */
export const BUILTIN_TARGET: AccessTarget = {
  binding: 'builtin',
  provider: 'builtin',
  settings: {},
  rotateOnRevoke: false,
  share: 'none',
};

export interface PurgeDeps {
  providerFor(name: string | null): AccessProvider;
  /** The stored requests as they are now (an account granted again since the review is left alone). */
  requests(): Promise<CredentialRequest[]>;
  /** Learns a rotated password so that no log line can carry it; nobody receives it. */
  registerSecret?(value: string): void;
  /** Pauses between attempts of a transiently failing provider call. */
  sleep?(ms: number): Promise<void>;
}

export interface PurgeResult {
  status: PurgeStatus;
  /** What happened, in words fit for the ticket and the audit trail: never a secret. */
  detail: string;
}

const ATTEMPTS = 3;
const PURGE_BASE_DELAY_MS = 250;
const PURGE_MAX_DELAY_MS = 5_000;

/**
 * Disables or rotates one candidate account through its provider. Providers are idempotent, so a
 * purge a crash interrupted may run this again. An account someone holds a grant on now is skipped:
 * a purge never cuts access a later request granted.
 */
export async function purgeAccount(
  doc: Pick<ReviewDocument, 'id' | 'action' | 'ticket'>,
  candidate: PurgeCandidate,
  deps: PurgeDeps,
): Promise<PurgeResult> {
  const requests = await deps.requests();
  const mine = requests.filter((r) => accountKey(r) === candidate.key);
  if (mine.some((r) => r.state === 'granted'))
    return { status: 'skipped', detail: 'granted again since the review: left as it is' };

  let provider: AccessProvider;
  try {
    provider = deps.providerFor(candidate.target?.provider ?? null);
  } catch (err) {
    return { status: 'failed', detail: safeMessage(err) };
  }
  const target = candidate.target ?? BUILTIN_TARGET;
  const reason = `access review ${doc.id}${doc.ticket ? ` (${doc.ticket.key})` : ''}`;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  const act = async (): Promise<void> => {
    if (doc.action === 'disable') {
      await (provider.disable as NonNullable<AccessProvider['disable']>)(target, candidate.account, reason);
      return;
    }
    const latest = mine.find((r) => r.id === candidate.latestRequestId) ?? mine[0];
    const result = await provider.rotate({
      requestId: latest?.id ?? candidate.latestRequestId,
      ticket: doc.ticket ?? candidate.latestTicket,
      requester: null,
      facts: latest?.facts ?? {
        systems: candidate.systems,
        account: candidate.account,
        access: '',
        justification: reason,
        duration: '',
        company: '',
        client: '',
      },
      expiresAt: null,
      target,
      idempotencyKey: `review/${doc.id}/purge/${candidate.key}`,
      reason,
    });
    // The new password only makes the old one stop working: learned by the scrubber, kept nowhere.
    if (result?.secret) deps.registerSecret?.(result.secret.value);
  };

  if (doc.action === 'disable' && !provider.disable)
    return { status: 'skipped', detail: `provider ${provider.id} cannot disable accounts` };
  for (let attempt = 1; ; attempt++) {
    try {
      await act();
      return {
        status: 'done',
        detail: doc.action === 'disable' ? 'disabled' : 'password rotated (nobody receives it)',
      };
    } catch (err) {
      // The same kinds and the same backoff as every effect (util/retry-policy, effects/backoff).
      if (attempt < ATTEMPTS && isRetried(err)) {
        // A server's Retry-After is honoured up to the cap: the purge runs inside the review's lease.
        const asked = Math.min(retryAfterOf(err) ?? 0, PURGE_MAX_DELAY_MS);
        await sleep(backoffMs(attempt, PURGE_BASE_DELAY_MS, PURGE_MAX_DELAY_MS, asked));
        continue;
      }
      return { status: 'failed', detail: safeMessage(err) };
    }
  }
}

/** "disable svc_backup through corp-ad" for each candidate: the dry run's list. */
export const purgePlan = (doc: Pick<ReviewDocument, 'action' | 'candidates'>): string[] =>
  doc.candidates.map((c) => purgeActionText(doc.action, c));

/** Provider errors say what failed, never a secret (their contract); secret-shaped text is removed anyway. */
const safeMessage = (err: unknown): string => scrubPatterns(((err as Error)?.message ?? String(err)).slice(0, 300));
