import type { CredentialRequest } from '../domain/request';
import type { Actor, TicketRef, TicketSnapshot } from '../domain/ticket';
import { extractFacts } from '../policy/extract-facts';
import type { Connector, ObservedTicket } from '../../connectors/types';
import type { DocumentCollection } from '../store/document-collection';
import type Keyv from 'keyv';
import type { Policy } from '../policy/policy';
import type { ScheduledJob } from '../scheduler/scheduler';
import type { Logger } from '../util/logger';
import { KeyMutex } from '../store/key-mutex';
import { decide, type Decision } from '../engine/decide';
import { requestIdFor } from '../engine/evaluate-ticket';
import type { EngineEvent, ObservedContext, OutcomeEvent, PriorGrant } from '../domain/event';
import { parseCommand, replyId } from '../engine/lifecycle-commands';
import { commitDecision } from './commit-decision';
import type { TicketResult } from './delivery-log';
import { CredgateError } from '../util/errors';
import { usesSource } from '../policy/policy';
import { systemClock } from '../util/clock';

/** The ticket and its history: in one read where the connector can, else its two reads. */
async function readTicket(connector: Connector, ref: TicketRef): Promise<ObservedTicket | null> {
  if (connector.readTicket) return connector.readTicket(ref);
  const snapshot = await connector.fetchTicket(ref);
  return snapshot ? { snapshot, changes: await connector.fetchStatusChanges(ref) } : null;
}

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
      // One read of the request for the whole delivery: the decision starts from it (the
      // compare-and-swap catches a change meanwhile), and a ticket with a request is no review ticket.
      const existing = await this.requests.get(requestId);
      if (!existing && this.reviewTickets && (await this.reviewTickets.owns(ref))) {
        await this.reviewTickets.handleTicket(ref);
        return { ticket: ref.key, change: 'access review ticket read' };
      }
      const observed = await readTicket(connector, ref);
      if (!observed)
        return {
          ticket: ref.key,
          change: 'unknown ticket: it no longer exists, is out of the configured scope, or credgate may not read it',
          ignored: true,
        };
      const { snapshot, changes } = observed;
      const before = existing?.state ?? null;
      const context = await this.lookUpContext(connector, snapshot, requestId, before);
      let last: CredentialRequest | null = existing;
      const stored = await this.commit(
        requestId,
        async (request) => {
          last = request;
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
            context,
            people: await this.people(request, request ? request.requester : snapshot.reporter),
          };
          return decide(request, event, { policy: this.policy(), now: this.clock() });
        },
        { current: existing },
      );
      const after = (stored ?? last)?.state ?? null;
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
   * Facts policy needs that the ticket does not hold, looked up before deciding and recorded by
   * it: the requester's groups and earlier approved grants (auto-approval rules), the linked
   * change or incident. Only while the request is new or still awaiting its facts.
   */
  private async lookUpContext(
    connector: Connector,
    snapshot: TicketSnapshot,
    requestId: string,
    state: string | null,
  ): Promise<ObservedContext | undefined> {
    if (state !== null && state !== 'awaiting-info') return undefined;
    const policy = this.policy();
    const context: ObservedContext = {};
    const linkedKey = extractFacts(snapshot, policy.factLabels).linked?.trim();
    if (linkedKey && policy.document.categories.some((c) => c.linkedTicket)) {
      context.linked = connector.fetchLinkedTicket ? await connector.fetchLinkedTicket(linkedKey) : null;
    }
    const requester = state === null ? snapshot.reporter : (await this.requests.get(requestId))?.requester;
    if (policy.document.autoApprove?.rules.length && requester) {
      context.requesterGroups = await connector.groupsOf(requester);
      if (policy.document.autoApprove.rules.some((r) => r.renewalWithin)) {
        context.priorGrants = await this.priorGrants(requester.id, requestId);
      }
    }
    return context;
  }

  /** Earlier grants to this requester that people approved: what a renewal rule may renew. */
  private async priorGrants(requesterId: string, exceptId: string): Promise<PriorGrant[]> {
    const out: PriorGrant[] = [];
    for await (const r of this.requests.all()) {
      if (r.id === exceptId || r.requester?.id !== requesterId || !r.grantedAt) continue;
      // Renewing a renewal would let one approval last forever; unconfirmed break-glass was never approved.
      const byPeople = r.breakGlass ? Boolean(r.breakGlass.confirmedAt) : !r.autoApprovedBy && r.approvals.length > 0;
      if (!byPeople) continue;
      out.push({
        requestId: r.id,
        category: r.category.id,
        account: r.facts.account,
        systems: r.facts.systems,
        endsAt: r.endedAt ?? r.expiresAt ?? r.grantedAt,
      });
    }
    return out;
  }

  /**
   * What happened outside any ticket (a one-time link revealed) goes through the same engine and
   * is committed like any decision.
   */
  async handleEvent(requestId: string, event: OutcomeEvent): Promise<void> {
    await this.mutex.run(requestId, () =>
      this.commit(requestId, async (request) =>
        request ? decide(request, event, { policy: this.policy(), now: this.clock() }) : null,
      ),
    );
  }

  /** A due timer (pending timeout, reminder, expiry) goes through the same engine. */
  async handleTimer(job: ScheduledJob): Promise<void> {
    await this.mutex.run(job.requestId, () =>
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
    read?: { current: CredentialRequest | null },
  ): Promise<CredentialRequest | null> {
    const stored = await commitDecision({ requests: this.requests, owing: this.owing }, requestId, decideFn, { read });
    if (!stored) return null;
    this.log.info(
      { requestId, ticket: stored.ticket.key, state: stored.state, owed: stored.outbox.length },
      'request updated',
    );
    // A commit that owes nothing has nothing to drain (the runner would only read it back).
    if (stored.outbox.length) this.afterCommit(requestId);
    return stored;
  }
}
