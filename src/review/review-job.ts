import schedule, { type Job } from 'node-schedule';
import type { Router } from 'express';
import type { TicketRef } from '../domain/ticket';
import { createCommentRenderer, type CommentMarkup, type CommentRenderer } from '../render/comment-renderer';
import { Leases } from '../store/leases';
import { KeyMutex } from '../store/key-mutex';
import { StoreRateLimiter } from '../store/rate-limiter';
import { CredgateError } from '../util/errors';
import { createReportRenderer } from './report-html';
import { reportRouter } from './report-router';
import { exclusive, type ReviewJobDeps, type ReviewRuntime } from './review-runtime';
import { openTicket, runReview, type ReviewOutcome, type RunReviewOptions } from './review-run';
import { ReviewStore } from './review-store';
import { handleReviewTicket } from './review-tickets';
import { TEMPLATES_ROOT } from '../templates-root';
import { systemClock } from '../util/clock';

export type { ReviewJobDeps } from './review-runtime';
export type { ReviewOutcome, RunReviewOptions } from './review-run';

/** Comment templates a review posts; each connector's markup must have them (a missing one fails the start). */
export const REVIEW_TEMPLATES = [
  'review-created',
  'review-purge-plan',
  'review-purged',
  'review-refused',
  'review-declined',
];

/** Periodic access reviews: the scheduled run, the review tickets' approvals and purges, the report pages. */
export interface ReviewJob {
  /** Arms the policy's `review.schedule` and the sweep; does nothing when the policy has no review section. */
  start(): void;
  stop(): void;
  /** Runs a review now (the CLI, the schedule). Idempotent per period. */
  runReview(options?: RunReviewOptions): Promise<ReviewOutcome>;
  /** The ticket processor's hook: true when the ticket is a review's, not a credential request. */
  owns(ref: TicketRef): Promise<boolean>;
  /** A delivery about a review ticket: judge its approvals, purge once approved. */
  handleTicket(ref: TicketRef): Promise<void>;
  /** Finishes what a crash or a missed webhook left: tickets not created, approvals not read, purges cut short. */
  sweep(): Promise<void>;
  /** `GET /reports/<token>`, for createApp's `routers`. */
  readonly router: Router;
}

const RETRIES = 5;

export function createReviewJob(deps: ReviewJobDeps): ReviewJob {
  const clock = deps.clock ?? systemClock;
  const reviews = new ReviewStore(deps.store.engine);
  const report = createReportRenderer();
  // Compiled now, for every markup a connector writes: a missing or broken template fails the start.
  const renderers = new Map<CommentMarkup, CommentRenderer>();
  const templateDirs = deps.templateDirs ?? [TEMPLATES_ROOT];
  for (const c of deps.connectors.values()) {
    if (!renderers.has(c.markup))
      renderers.set(c.markup, createCommentRenderer({ markup: c.markup, templateDirs, required: REVIEW_TEMPLATES }));
  }
  const rt: ReviewRuntime = {
    deps,
    reviews,
    leases: deps.leases ?? new Leases(deps.store.engine),
    locks: new KeyMutex(),
    clock,
    report,
    renderers,
  };
  const log = deps.log;
  let cron: Job | null = null;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    t.unref();
    timers.add(t);
  };

  /** A scheduled run; a failure before the review was stored is retried, after it the sweep finishes it. */
  const fire = (at: Date, attempt = 1): void => {
    const periodId = `scheduled:${at.toISOString()}`;
    runReview(rt, { until: at, periodId })
      .then((o) =>
        log.info(
          { reviewId: o.reviewId, period: periodId, created: o.created, ticket: o.ticket?.key },
          'scheduled access review done',
        ),
      )
      .catch((err) => {
        log.error({ period: periodId, attempt, err: (err as Error).message }, 'scheduled access review failed');
        if (attempt < RETRIES) later(deps.sweepIntervalMs ?? 300_000, () => fire(at, attempt + 1));
      });
  };

  const job: ReviewJob = {
    start() {
      stopped = false;
      const review = deps.policy().document.review;
      if (!review) {
        log.info('no `review:` section in the policy: periodic access reviews are off');
        return;
      }
      if (!deps.connectors.get(review.connector)?.createTicket) {
        log.warn(
          { connector: review.connector },
          'periodic access reviews are off: review.connector is not configured or cannot create tickets',
        );
        return;
      }
      // node-schedule hands the job its scheduled instant: the same period id on every replica.
      cron = schedule.scheduleJob(review.schedule, (fireDate: Date) =>
        fire(new Date(Math.floor(new Date(fireDate).getTime() / 1000) * 1000)),
      );
      if (!cron)
        throw new CredgateError(
          'config',
          `review.schedule "${review.schedule}" is not a cron expression node-schedule accepts`,
        );
      const t = setInterval(
        () => void job.sweep().catch((err) => log.error({ err: (err as Error).message }, 'review sweep failed')),
        deps.sweepIntervalMs ?? 300_000,
      );
      t.unref();
      timers.add(t);
      log.info(
        { schedule: review.schedule, next: cron.nextInvocation()?.toISOString?.() },
        'periodic access reviews scheduled',
      );
    },

    stop() {
      stopped = true;
      cron?.cancel();
      cron = null;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },

    runReview: (options) => runReview(rt, options),

    async owns(ref) {
      return (await reviews.reviewOfTicket(ref)) !== null;
    },

    async handleTicket(ref) {
      const id = await reviews.reviewOfTicket(ref);
      if (id) await handleReviewTicket(rt, id);
    },

    async sweep() {
      for (const doc of await reviews.all()) {
        if (stopped) return;
        try {
          if (doc.state === 'collected') {
            await exclusive(rt, doc.id, async () => {
              const current = await reviews.get(doc.id);
              if (current?.state === 'collected') await openTicket(rt, current);
            });
          } else if (doc.state === 'open' || doc.state === 'purging' || doc.outbox.length) {
            await handleReviewTicket(rt, doc.id);
          }
        } catch (err) {
          // One review's ticketing system being down must not hold up the others.
          log.warn(
            { reviewId: doc.id, err: (err as Error).message },
            'review sweep could not finish a review; next sweep retries',
          );
        }
      }
    },

    // Like one-time links: the URL is the credential, so guessing is slowed per address.
    router: reportRouter(
      reviews,
      report.csp,
      new StoreRateLimiter(deps.store.engine, 'report-pages', 20, 20, () => clock().getTime()),
    ),
  };
  return job;
}
