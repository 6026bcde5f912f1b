import type { CredentialRequest } from '../domain/request';
import type { Actor, TicketRef } from '../domain/ticket';
import type { Connector } from '../../connectors/types';
import type { DocumentCollection } from '../store/document-collection';
import type Keyv from 'keyv';
import type { Policy } from '../policy/policy';
import type { ScheduledJob } from '../scheduler/scheduler';
import type { Logger } from '../util/logger';
import { KeyMutex } from '../store/key-mutex';
import { decide, type Decision } from '../engine/decide';
import { requestIdFor } from '../engine/evaluate-ticket';
import type { EngineEvent, OutcomeEvent } from '../domain/event';
import { parseCommand, replyId } from '../engine/lifecycle-commands';
import { commitDecision } from './commit-decision';
import type { TicketResult } from './delivery-log';
import { CredgateError } from '../util/errors';
import { usesSource } from '../policy/policy';
import { systemClock } from '../util/clock';

/** Review tickets (src/review) are no credential requests: their deliveries go to the review job. */
export interface ReviewTickets {
  owns(ref: TicketRef): Promise<boolean>;
  handleTicket(ref: TicketRef): Promise<void>;
}

export interface TicketProcessorOptions {
  requests: DocumentCollection<CredentialRequest>;
  /** Requests whose outbox is not empty: written before each commit that owes effects. */
  owing: Keyv;
  connectors: Map<string, Connector>;
  policy: () => Policy;
  /** Told of each committed request that owes effects (the effect runner drains it). */
  afterCommit: (requestId: string) => void;
  log: Logger;
  clock?: () => Date;
  reviewTickets?: ReviewTickets;
  /** The requester's managers from the directory, for steps with `source: manager`. */
  managersOf?: (person: { id: string; email?: string }) => Promise<string[]>;
}

/**
 * The I/O around the pure engine: reads the ticket back from the ticketing system, resolves the
 * approvers' groups, decides, and commits the next request document (state and owed effects in
 * one compare-and-swap). Work on one request is serialized.
 */
export class TicketProcessor {
  private readonly mutex = new KeyMutex();

  private readonly requests: DocumentCollection<CredentialRequest>;
  private readonly owing: Keyv;
  private readonly connectors: Map<string, Connector>;
  private readonly policy: () => Policy;
  private readonly afterCommit: (requestId: string) => void;
  private readonly log: Logger;
  private readonly clock: () => Date;
  private readonly reviewTickets?: ReviewTickets;
  private readonly managersOf?: TicketProcessorOptions['managersOf'];

  constructor(options: TicketProcessorOptions) {
    this.requests = options.requests;
    this.owing = options.owing;
    this.connectors = options.connectors;
    this.policy = options.policy;
    this.afterCommit = options.afterCommit;
    this.log = options.log;
    this.clock = options.clock ?? systemClock;
    this.reviewTickets = options.reviewTickets;
    this.managersOf = options.managersOf;
  }

  /**
   * Looked up only while a request can still be (re)assessed and the policy has a manager step:
   * what is found is recorded with the request's steps, so a later change of manager changes
   * nothing for it.
   */
  private async people(request: CredentialRequest | null, reporter: Actor | null): Promise<{ managers?: string[] }> {
    if (!this.managersOf || !reporter) return {};
    if (request && !['awaiting-info', 'pending-approval'].includes(request.state)) return {};
    if (!usesSource(this.policy(), 'manager')) return {};
    return { managers: await this.managersOf(reporter) };
  }

  /** Brings credgate's view of one ticket up to date with the ticket as it is now. */
  processTicket(ref: TicketRef): Promise<TicketResult> {
    const connector = this.connectors.get(ref.connector);
    if (!connector) throw new CredgateError('config', `no connector "${ref.connector}" is configured`);
    const requestId = requestIdFor(ref.connector, ref.id);
    return this.mutex.run(requestId, async () => {
      if (this.reviewTickets && (await this.reviewTickets.owns(ref))) {
        await this.reviewTickets.handleTicket(ref);
        return { ticket: ref.key, change: 'access review ticket read' };
      }
      const snapshot = await connector.fetchTicket(ref);
      if (!snapshot)
        return {
          ticket: ref.key,
          change: 'unknown ticket: it no longer exists, is out of the configured scope, or credgate may not read it',
          ignored: true,
        };
      const before = (await this.requests.get(requestId))?.state ?? null;
      const changes = await connector.fetchStatusChanges(ref);
      await this.commit(requestId, async (request) => {
        const seen = new Set(request?.seenChanges ?? []);
        const groupsByActor: Record<string, string[]> = {};
        // Groups matter only for people whose transitions credgate has not judged yet.
        if (request) {
          for (const c of changes) {
            if (seen.has(c.id) || c.bySelf || groupsByActor[c.actor.id]) continue;
            if (c.position === 'approved' || c.position === 'declined')
              groupsByActor[c.actor.id] = await connector.groupsOf(c.actor);
          }
          // And for authors of new lifecycle commands (/revoke, /extend need an approver or the requester).
          const read = new Set(request.seenReplies ?? []);
          for (const reply of snapshot.replies) {
            if (request.seenReplies === undefined || read.has(replyId(reply)) || groupsByActor[reply.author.id])
              continue;
            if (parseCommand(reply.body)) groupsByActor[reply.author.id] = await connector.groupsOf(reply.author);
          }
        }
        const event: EngineEvent = {
          type: 'ticket-observed',
          snapshot,
          changes,
          groupsByActor,
          people: await this.people(request, request ? request.requester : snapshot.reporter),
          connectorCommands: connector.commentCommands,
        };
        return decide(request, event, { policy: this.policy(), now: this.clock() });
      });
      const after = (await this.requests.get(requestId))?.state ?? null;
      if (after === null)
        return {
          ticket: ref.key,
          change: 'not a credential request (no category matched, or closed when first seen)',
          ignored: true,
        };
      return { ticket: ref.key, requestId, change: before === after ? 'no change' : `${before ?? 'new'} → ${after}` };
    });
  }

  /**
   * What happened outside any ticket (a one-time link revealed) goes through the same engine and
   * is committed like any decision.
   */
  handleEvent(requestId: string, event: OutcomeEvent): Promise<void> {
    return this.mutex.run(requestId, () =>
      this.commit(requestId, async (request) =>
        request ? decide(request, event, { policy: this.policy(), now: this.clock() }) : null,
      ),
    );
  }

  /** A due timer (pending timeout, reminder, expiry) goes through the same engine. */
  handleTimer(job: ScheduledJob): Promise<void> {
    return this.mutex.run(job.requestId, () =>
      this.commit(job.requestId, (request) =>
        decide(
          request,
          { type: 'timer-fired', timer: job.timer, dueAt: job.at },
          { policy: this.policy(), now: this.clock() },
        ),
      ),
    );
  }

  private async commit(
    requestId: string,
    decideFn: (r: CredentialRequest | null) => Promise<Decision | null>,
  ): Promise<void> {
    const stored = await commitDecision({ requests: this.requests, owing: this.owing }, requestId, decideFn);
    if (!stored) return;
    this.log.info(
      { requestId, ticket: stored.ticket.key, state: stored.state, owed: stored.outbox.length },
      'request updated',
    );
    this.afterCommit(requestId);
  }
}
