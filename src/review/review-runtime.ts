import type { Connector } from '../../connectors/types';
import type { AuditLog } from '../audit/audit-log';
import type { Policy } from '../policy/policy';
import type { AccessProvider } from '../providers/types';
import type { CommentMarkup, CommentRenderer } from '../render/comment-renderer';
import type { Leases } from '../store/leases';
import type { KeyMutex } from '../store/key-mutex';
import type { Store } from '../store/open-store';
import { CredgateError } from '../util/errors';
import type { Logger } from '../util/logger';
import type { ReportRenderer } from './report-html';
import type { ReviewPolicy } from '../policy/review-policy-schema';
import type { ReviewStore } from './review-store';

/** What the review job needs from the service; everything is injected. */
export interface ReviewJobDeps {
  store: Pick<Store, 'engine' | 'requests'>;
  audit: AuditLog;
  connectors: Map<string, Connector>;
  policy: () => Policy;
  /** The provider policy names (null: the default provider), as the effect runner resolves it. */
  providerFor(name: string | null): AccessProvider;
  log: Logger;
  clock?: () => Date;
  /** credgate's base URL as people reach it (server.publicUrl), for the report link in the ticket. */
  publicUrl?: () => string | undefined;
  /** Comment template folders, overrides first (templates.dir, then the built-in ones). */
  templateDirs?: string[];
  /** Leases on the same store as the rest of the service; default: the job's own. */
  leases?: Leases;
  /** Learns a secret (a rotated password) so that no log line can carry it. */
  registerSecret?: (value: string) => void;
  /** How often open reviews are re-read and unfinished ones finished (default 5 minutes). */
  sweepIntervalMs?: number;
}

/** The job's resolved parts, shared by its modules. */
export interface ReviewRuntime {
  deps: ReviewJobDeps;
  reviews: ReviewStore;
  leases: Leases;
  /** In-process serialization per review: leases alone let the same process in twice. */
  locks: KeyMutex;
  clock: () => Date;
  report: ReportRenderer;
  renderers: Map<CommentMarkup, CommentRenderer>;
}

/** The policy's review section; a config error naming what to add when it is missing. */
export function reviewPolicyOf(policy: Policy): ReviewPolicy {
  const review = policy.document.review;
  if (!review)
    throw new CredgateError(
      'config',
      'the policy has no `review:` section (project, approvers...): see README, "Reviews"',
    );
  return review;
}

/** The connector review tickets live in; it must be able to create tickets. */
export function reviewConnector(
  rt: ReviewRuntime,
  name: string,
): Connector & Required<Pick<Connector, 'createTicket'>> {
  const connector = rt.deps.connectors.get(name);
  if (!connector)
    throw new CredgateError(
      'config',
      `review.connector "${name}" is not configured; configured: ${[...rt.deps.connectors.keys()].join(', ') || 'none'}`,
    );
  if (!connector.createTicket)
    throw new CredgateError('config', `the ${name} connector cannot create tickets, so reviews cannot use it`);
  return connector as Connector & Required<Pick<Connector, 'createTicket'>>;
}

export function rendererFor(rt: ReviewRuntime, connector: Connector): CommentRenderer {
  const renderer = rt.renderers.get(connector.markup);
  if (!renderer) throw new CredgateError('config', `no review templates for ${connector.markup} markup`);
  return renderer;
}

/**
 * Runs `fn` as the only worker on one review: serialized inside this process, and under a lease
 * across replicas. False when another replica holds it (it does the work).
 */
export function exclusive(rt: ReviewRuntime, reviewId: string, fn: () => Promise<void>): Promise<boolean> {
  return rt.locks.run(reviewId, () => rt.leases.run(`review:${reviewId}`, fn));
}
