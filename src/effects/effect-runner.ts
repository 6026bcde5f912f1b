import type { CredentialRequest } from '../domain/request';
import type { Effect } from '../domain/effect';
import type { DocumentCollection } from '../store/document-collection';
import type { Leases } from '../store/leases';
import type Keyv from 'keyv';
import type { Logger } from '../util/logger';
import { scrubWith } from '../util/logger';
import { isCredgateError } from '../util/errors';
import { backoffMs } from './backoff';
import { Semaphore } from '../util/semaphore';
import { formatTime } from '../engine/views';
import { performEffect, type EffectTargets } from './perform-effect';
import type { OwedSignal } from './owed-signal';
import { Draft } from '../engine/draft';
import { onGrantFailed, onRevocationFailed } from '../engine/on-status-change';

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
  /** Told of each effect performed and each failed attempt (metrics); must not throw. */
  observer?: {
    performed(request: CredentialRequest, effect: Effect): void;
    failed(request: CredentialRequest, effect: Effect, err: unknown, willRetry: boolean): void;
  };
}

/**
 * Drains each request's outbox in order: performs the first effect, then removes it with a
 * compare-and-swap. A transient failure (network, 429, 5xx) is retried with backoff, honouring
 * Retry-After; anything else, or too many attempts, is recorded as failed and audited, never
 * dropped silently. Drains of one request never overlap.
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
    this.clock = parts.clock ?? (() => new Date());
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

  /** One replica at a time drains a request: the lease makes its effects run once. */
  private async drain(requestId: string): Promise<void> {
    await this.leases.run(`outbox:${requestId}`, () => this.drainHeld(requestId));
  }

  private async drainHeld(requestId: string): Promise<void> {
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
        !(await this.updateHead(requestId, effect.key, (e) => ({ ...e, attempts })))
      )
        continue;
      try {
        const connector = request.ticket.connector;
        if (!this.limits.has(connector)) this.limits.set(connector, new Semaphore(this.options.concurrency));
        await this.limits
          .get(connector)!
          .run(() => performEffect(request, { ...effect, attempts }, this.targetsFor(request)));
        this.options.observer?.performed(request, effect);
        await this.finish(requestId, effect, 'done');
      } catch (err) {
        // Auth failures are retried too: a token being rotated should delay comments, not drop them.
        // A revocation is retried whatever the error: giving up on one leaves access behind.
        const transient =
          effect.kind === 'revoke' || !isCredgateError(err) || ['transient', 'auth', 'conflict'].includes(err.kind);
        const message = (err as Error).message;
        this.options.observer?.failed(request, effect, err, transient && attempts < this.options.maxAttempts);
        if (transient && attempts < this.options.maxAttempts) {
          const retryAfter = isCredgateError(err) ? err.details.retryAfterMs : undefined;
          const delay = backoffMs(attempts, this.options.baseDelayMs, this.options.maxDelayMs, retryAfter);
          this.log.warn(
            { requestId, effect: effect.key, kind: effect.kind, attempts, delayMs: delay, err: message },
            'effect failed; will retry',
          );
          const notBefore = new Date(this.clock().getTime() + delay).toISOString();
          await this.updateHead(requestId, effect.key, (e) => ({ ...e, attempts, notBefore }));
          return this.retryLater(requestId, delay);
        }
        this.log.error(
          { requestId, effect: effect.key, kind: effect.kind, attempts, err: message },
          'effect failed for good',
        );
        // The reason reaches the ticket, the audit trail and the request document: no echoed secret may.
        await this.finish(requestId, effect, 'failed', scrubWith(this.log, message));
      }
    }
  }

  /** Removes the performed effect from the head of the outbox; on failure, audits why. */
  private async finish(requestId: string, effect: Effect, outcome: 'done' | 'failed', error?: string): Promise<void> {
    for (;;) {
      const current = await this.requests.get(requestId);
      if (!current || current.outbox[0]?.key !== effect.key) return;
      let next: CredentialRequest = { ...current, outbox: current.outbox.slice(1) };
      if (outcome === 'failed' && effect.kind === 'revoke') {
        // Never dropped silently: the ticket says so, moves to "revocation failed", approvers are called.
        const draft = new Draft(next, this.clock());
        onRevocationFailed(draft, error ?? 'unknown error');
        next = draft.request;
      } else if (outcome === 'failed' && effect.kind === 'grant' && !effect.extension) {
        // The ticket must not say "Access granted" for access that was never given.
        const draft = new Draft(next, this.clock());
        onGrantFailed(draft, error ?? 'unknown error');
        next = draft.request;
      } else if (outcome === 'failed' && effect.kind !== 'audit') {
        const at = this.clock().toISOString();
        const owed: Effect[] = [
          {
            kind: 'audit',
            key: `${current.id}/${++next.effectSeq}`,
            event: {
              action: 'effect-failed',
              actor: null,
              at,
              outcome: effect.kind,
              rules: [],
              detail: { effect: effect.key, error },
            },
          },
        ];
        // The service desk must see on the ticket what credgate could not do (never for a failed
        // comment: that would fail the same way).
        if (effect.kind !== 'comment') {
          const ref = `${current.id}/${++next.effectSeq}`;
          owed.push({
            kind: 'comment',
            key: ref,
            template: 'action-failed',
            view: {
              requestId: current.id,
              ref,
              ticketKey: current.ticket.key,
              at: formatTime(at),
              action: describeEffect(effect),
              error: error ?? 'unknown error',
            },
          });
        }
        next.outbox.unshift(...owed);
      }
      if (await this.requests.compareAndSet(requestId, current.version, next)) return;
    }
  }

  private async updateHead(requestId: string, key: string, change: (e: Effect) => Effect): Promise<boolean> {
    for (;;) {
      const current = await this.requests.get(requestId);
      if (!current || current.outbox[0]?.key !== key) return false;
      const next = { ...current, outbox: [change(current.outbox[0]), ...current.outbox.slice(1)] };
      if (await this.requests.compareAndSet(requestId, current.version, next)) return true;
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

/** What an effect was meant to do, in words for the ticket. */
function describeEffect(effect: Effect): string {
  switch (effect.kind) {
    case 'set-status':
      return `move the ticket to its ${effect.position} status`;
    case 'grant':
      return 'grant the access';
    case 'revoke':
      return 'revoke the access';
    case 'schedule':
    case 'unschedule':
      return `set the ${effect.timer} timer`;
    default:
      return effect.kind;
  }
}
