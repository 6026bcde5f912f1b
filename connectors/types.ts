import type { IncomingHttpHeaders } from 'node:http';
import type { Actor, StatusChange, TicketRef, TicketSnapshot, WorkflowPosition } from '../src/domain/ticket';
import type { CommentMarkup } from '../src/render/comment-renderer';
import type { Logger } from '../src/util/logger';
import type { SetupCheck, SetupNeeds } from '../src/doctor/check';

export type CommentAudience = 'requester' | 'agents';

/** One webhook delivery as received: the raw bytes (signatures are over them) and the headers. */
export interface InboundDelivery {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
}

/** What a connector reads from a verified delivery, before any API call. */
export interface ParsedDelivery {
  /** The vendor's delivery id when it sends one (dedupe key); otherwise a digest of the body. */
  deliveryId: string;
  /** Tickets the delivery concerns; empty when it is none of credgate's business. */
  tickets: TicketRef[];
  /** Why the delivery was ignored, for the log and the response. */
  ignored?: string;
}

/**
 * The contract between credgate's core and one ticketing system. A connector translates, it never
 * decides: every answer is in credgate's own types. Optional members are optional capabilities.
 */
export interface Connector {
  readonly id: string;
  /** The markup comments are written in, so the renderer can escape requester text for it. */
  readonly markup: CommentMarkup;
  /** How people approve or decline here, for comments ("comment /approve or /deny <reason>"). */
  readonly howToApprove?: string;
  /**
   * The most characters a comment body (in `markup`) may have here; longer requester text is cut
   * and marked before posting. Default: 32,767 (Jira's).
   */
  readonly maxCommentLength?: number;
  /** Slash commands in comments this connector turns into status changes itself (GitHub: approve, deny). */
  readonly commentCommands?: string[];
  /** Resolves what must be known before the first delivery (e.g. credgate's own account). */
  start?(): Promise<void>;
  /** Throws CredgateError('auth') when the delivery is not authentic. Never touches the network. */
  verify(delivery: InboundDelivery): void | Promise<void>;
  /** Parses an authentic delivery; throws CredgateError('bad-input') on a body it cannot read. */
  parse(delivery: InboundDelivery): ParsedDelivery;
  /** The ticket as it is now, read through the API; null when it no longer exists or is out of scope. */
  fetchTicket(ref: TicketRef): Promise<TicketSnapshot | null>;
  /** The ticket's status history, oldest first, read through the API. */
  fetchStatusChanges(ref: TicketRef): Promise<StatusChange[]>;
  /** The groups a person belongs to (cached by the connector). */
  groupsOf(actor: Actor): Promise<string[]>;
  /**
   * Posts a comment. `audience` says who it is for: 'requester' comments must be visible to the
   * person who filed the ticket; 'agents' comments (approval bookkeeping, refusals, failures) may
   * be internal notes where the system has them and the operator wants them.
   */
  postComment(ref: TicketRef, body: string, audience?: CommentAudience, mentions?: Actor[]): Promise<void>;
  /** True when a comment containing `marker` is already on the ticket. */
  hasComment(ref: TicketRef, marker: string): Promise<boolean>;
  /** Moves the ticket to the status configured for a workflow position; no-op when it is there. */
  setStatus(ref: TicketRef, position: WorkflowPosition): Promise<void>;
  /** Tickets in any of the given positions, for reconciliation after missed webhooks. */
  listOpenTickets?(positions: WorkflowPosition[]): Promise<TicketRef[]>;
  /**
   * What `credgate doctor` and /readyz verify in this system: reachability, credentials, the bot's
   * permissions, the configured workflow, fields and groups. Each check says what to fix.
   */
  checks?(needs: SetupNeeds): SetupCheck[];
  /**
   * `credgate webhooks register <connector>`: creates credgate's webhook in the vendor pointing at
   * `<publicUrl>/webhooks/<id>`, or updates the one already there (never a second); says what it did.
   */
  registerWebhook?(publicUrl: string): Promise<string[]>;
  /** Opens a ticket of credgate's own (a periodic access review). Not idempotent: callers guard it. */
  createTicket?(input: NewTicket): Promise<TicketRef>;
}

/** A ticket credgate opens itself. */
export interface NewTicket {
  /** Where it goes in this system (a Jira project key). */
  project: string;
  issueType: string;
  summary: string;
  /** In the connector's markup, like a comment body (links put in with insertLink). */
  description: string;
}

/** What every connector factory receives: its own config section and shared services. */
export interface ConnectorContext {
  log: Logger;
  /** The service's clock in epoch milliseconds (cache expiry, signature freshness): tests move it. */
  now: () => number;
}
