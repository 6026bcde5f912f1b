import type { CredentialRequest } from '../domain/request';
import type { Effect } from '../domain/effect';
import type { DocumentCollection } from '../store/document-collection';
import type { Leases } from '../store/leases';
import { type Fence, isLeaseLost } from '../store/store-engine';
import type Keyv from 'keyv';
import type { Logger } from '../util/logger';
import { scrubWith } from '../util/logger';
import { errorKindOf, isRetried, retryAfterOf } from '../util/retry-policy';
import { backoffMs } from './backoff';
import { Semaphore } from '../util/semaphore';
import { performEffect, type EffectTargets } from './perform-effect';
import type { OwedSignal } from './owed-signal';
import type { OutcomeEvent } from '../domain/event';
import type { Policy } from '../policy/policy';
import { decide } from '../engine/decide';
import { commitDecision } from '../pipeline/commit-decision';
import { systemClock } from '../util/clock';

/** What the runner works with; its tuning is in EffectRunnerOptions. */
export interface EffectRunnerParts {
  requests: DocumentCollection<CredentialRequest>;
  /** Requests whose outbox is not empty: the index a sweep drains after a crash. */
  owing: Keyv;
  /** One replica drains a request at a time. */
  leases: Leases;
  /** The connector, renderer, scheduler, providers... a request's effects act through. */
  targetsFor: (request: CredentialRequest) => EffectTargets;
  log: Logger;
  clock?: () => Date;
  /** Requests committed with effects owed, in this process: drained as soon as they are told. */
  owed?: OwedSignal;
}

export interface EffectRunnerOptions {
  /** Calls in flight at once per connector. */
  concurrency: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The policy `decide` judges effect outcomes by (the same the ticket processor uses). */
  policy: () => Policy;
  /** Told of each effect performed and each failed attempt (metrics); must not throw. */
  observer?: {
    performed(request: CredentialRequest, effect: Effect): void;
    failed(request: CredentialRequest, effect: Effect, err: unknown, willRetry: boolean): void;
  };
}

/**
 * Drains each request's outbox in order: performs the first effect, then removes it with a
 * compare-and-swap. A failure of a retried kind (util/retry-policy: network, 429, 5xx, auth,
 * conflict) is retried with backoff, honouring Retry-After. An effect that fails for good, and a revocation that found the access still
 * covered, are reported to the engine as events (`effect-failed`, `access-kept`): `decide` says
 * what follows and its decision is committed like any other. The runner itself only keeps the
 * outbox's bookkeeping (attempts, next try, removing what was performed). Drains of one request
 * never overlap.
 */
export class EffectRunner {
  private readonly draining = new Map<string, Promise<void>>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly limits = new Map<string, Semaphore>();
  private stopped = false;

  private readonly requests: DocumentCollection<CredentialRequest>;
  private readonly owing: Keyv;
  private readonly leases: Leases;
  private readonly targetsFor: (request: CredentialRequest) => EffectTargets;
  private readonly log: Logger;
  private readonly clock: () => Date;

  constructor(
    parts: EffectRunnerParts,
    private readonly options: EffectRunnerOptions,
  ) {
    this.requests = parts.requests;
    this.owing = parts.owing;
    this.leases = parts.leases;
    this.targetsFor = parts.targetsFor;
    this.log = parts.log;
    this.clock = parts.clock ?? systemClock;
    parts.owed?.listen((requestId) => void this.kick(requestId));
  }

  /** Starts draining a request's outbox unless a drain is already running; resolves when idle. */
  kick(requestId: string): Promise<void> {
    const running = this.draining.get(requestId);
    if (running) return running.then(() => this.kick(requestId));
    const drain = this.drain(requestId).finally(() => this.draining.delete(requestId));
    this.draining.set(requestId, drain);
    return drain;
  }

  /** Waits for every running drain (graceful shutdown, tests). */
  async idle(): Promise<void> {
    while (this.draining.size) await Promise.allSettled([...this.draining.values()]);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
  }

  /** Drains every request the index says owes effects (start-up, periodic sweep). */
  async sweep(): Promise<number> {
    if (!this.owing.iterator) return 0;
    // Ids first, work after: draining deletes index entries, which would shift a paged iterator.
    const ids: string[] = [];
    for await (const [id] of this.owing.iterator(undefined)) ids.push(String(id));
    for (const id of ids) if (!this.stopped) void this.kick(id);
    return ids.length;
  }

  /**
   * One replica at a time drains a request: the lease makes its effects run once. Every write the
   * drain makes carries the lease's fence; a drain that stalled past the TTL while another replica
   * took the outbox over has its writes refused and stops, leaving the outbox to the new holder.
   */
  private async drain(requestId: string): Promise<void> {
    try {
      await this.leases.run(`outbox:${requestId}`, (fence) => this.drainHeld(requestId, fence));
    } catch (err) {
      if (isLeaseLost(err)) {
        this.log.warn({ requestId, err: (err as Error).message }, 'outbox lease lost to another holder; stopping');
        return;
      }
      // The store itself failed (read, bookkeeping): the outbox stays as it is, so drain it later.
      this.log.error({ requestId, err: (err as Error).message }, 'draining the outbox failed; will retry');
      this.retryLater(requestId, backoffMs(1, this.options.baseDelayMs, this.options.maxDelayMs));
    }
  }

  private async drainHeld(requestId: string, fence: Fence): Promise<void> {
    while (!this.stopped) {
      const request = await this.requests.get(requestId);
      const effect = request?.outbox[0];
      if (!request) return;
      if (!effect) {
        // Remove the index entry, then look again: a decision committed meanwhile re-adds it.
        await this.owing.delete(requestId);
        const again = await this.requests.get(requestId);
        if (again?.outbox.length) {
          await this.owing.set(requestId, true);
          continue;
        }
        return;
      }
      const wait = effect.notBefore ? Date.parse(effect.notBefore) - this.clock().getTime() : 0;
      if (wait > 0) return this.retryLater(requestId, wait);

      const attempts = (effect.attempts ?? 0) + 1;
      // Comments (and grants, which may post a one-time link) are what a repeat would double:
      // record the attempt before making it, so a retry knows to look for the first one.
      if (
        (effect.kind === 'comment' || effect.kind === 'grant') &&
        !(await this.updateHead(requestId, effect.key, (e) => ({ ...e, attempts }), fence))
      )
        continue;
      let outcome: Awaited<ReturnType<typeof performEffect>>;
      try {
        const connector = request.ticket.connector;
        if (!this.limits.has(connector)) this.limits.set(connector, new Semaphore(this.options.concurrency));
        outcome = await this.limits
          .get(connector)!
          .run(() => performEffect(request, { ...effect, attempts }, this.targetsFor(request)));
      } catch (err) {
        // Which kinds are retried is said once (util/retry-policy). A revocation is retried whatever
        // the error: giving up on one leaves access behind.
        const retried = effect.kind === 'revoke' || isRetried(err);
        const message = (err as Error).message;
        const errorKind = errorKindOf(err);
        this.options.observer?.failed(request, effect, err, retried && attempts < this.options.maxAttempts);
        if (retried && attempts < this.options.maxAttempts) {
          const delay = backoffMs(attempts, this.options.baseDelayMs, this.options.maxDelayMs, retryAfterOf(err));
          this.log.warn(
            { requestId, effect: effect.key, kind: effect.kind, errorKind, attempts, delayMs: delay, err: message },
            'effect failed; will retry',
          );
          const notBefore = new Date(this.clock().getTime() + delay).toISOString();
          await this.updateHead(requestId, effect.key, (e) => ({ ...e, attempts, notBefore }), fence);
          return this.retryLater(requestId, delay);
        }
        this.log.error(
          { requestId, effect: effect.key, kind: effect.kind, errorKind, attempts, err: message },
          'effect failed for good',
        );
        // The reason reaches the ticket, the audit trail and the request document: no echoed secret may.
        await this.report(requestId, { type: 'effect-failed', effect, error: scrubWith(this.log, message) }, fence);
        continue;
      }
      // Performed: what follows is the outbox's bookkeeping, outside the catch above, so a store
      // failure (or a lost lease) here is not mistaken for the effect failing.
      this.options.observer?.performed(request, effect);
      if (outcome?.kept) await this.report(requestId, { type: 'access-kept', effect, ...outcome.kept }, fence);
      else await this.removeHead(requestId, effect.key, fence);
    }
  }

  /** Removes the performed effect from the head of the outbox. */
  private async removeHead(requestId: string, key: string, fence: Fence): Promise<void> {
    for (;;) {
      const current = await this.requests.get(requestId);
      if (!current || current.outbox[0]?.key !== key) return;
      const next = { ...current, outbox: current.outbox.slice(1) };
      if (await this.requests.compareAndSet(requestId, current.version, next, fence)) return;
    }
  }

  /** Tells the engine what became of the head effect and commits what it decides. */
  private async report(requestId: string, event: OutcomeEvent, fence: Fence): Promise<void> {
    await commitDecision(
      { requests: this.requests, owing: this.owing },
      requestId,
      async (current) =>
        current ? decide(current, event, { policy: this.options.policy(), now: this.clock() }) : null,
      fence,
    );
  }

  private async updateHead(
    requestId: string,
    key: string,
    change: (e: Effect) => Effect,
    fence: Fence,
  ): Promise<boolean> {
    for (;;) {
      const current = await this.requests.get(requestId);
      if (!current || current.outbox[0]?.key !== key) return false;
      const next = { ...current, outbox: [change(current.outbox[0]), ...current.outbox.slice(1)] };
      if (await this.requests.compareAndSet(requestId, current.version, next, fence)) return true;
    }
  }

  private retryLater(requestId: string, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimers.get(requestId));
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(requestId);
        void this.kick(requestId);
      },
      Math.max(10, delayMs),
    );
    timer.unref();
    this.retryTimers.set(requestId, timer);
  }
}
