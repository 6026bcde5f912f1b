import type { CredentialRequest } from '../domain/request';
import type { TicketRef } from '../domain/ticket';
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
import { CredgateError } from '../util/errors';

/**
 * The I/O around the pure engine: reads the ticket back from the ticketing system, resolves the
 * approvers' groups, decides, and commits the next request document (state and owed effects in
 * one compare-and-swap). Work on one request is serialized.
 */
export class TicketProcessor {
  private readonly mutex = new KeyMutex();

  /** Review tickets (src/review) are no credential requests: their deliveries go to the review job. */
  reviewTickets?: { owns(ref: TicketRef): Promise<boolean>; handleTicket(ref: TicketRef): Promise<void> };

  constructor(
    private readonly requests: DocumentCollection<CredentialRequest>,
    private readonly owing: Keyv,
    private readonly connectors: Map<string, Connector>,
    private readonly policy: () => Policy,
    private readonly afterCommit: (requestId: string) => void,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Brings credgate's view of one ticket up to date with the ticket as it is now. */
  processTicket(ref: TicketRef): Promise<void> {
    const connector = this.connectors.get(ref.connector);
    if (!connector) throw new CredgateError('config', `no connector "${ref.connector}" is configured`);
    const requestId = requestIdFor(ref.connector, ref.id);
    return this.mutex.run(requestId, async () => {
      if (this.reviewTickets && (await this.reviewTickets.owns(ref))) return this.reviewTickets.handleTicket(ref);
      const snapshot = await connector.fetchTicket(ref);
      if (!snapshot) return;
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
          connectorCommands: connector.commentCommands,
        };
        return decide(request, event, { policy: this.policy(), now: this.clock() });
      });
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
