import type { WorkflowPosition } from '../../src/domain/ticket';

/** The people every conformance scenario needs; each driver maps them to accounts of its own. */
export type Role = 'requester' | 'approver' | 'approver2' | 'outsider';

/** What credgate answered to one webhook delivery. */
export interface DeliveryResult {
  status: number;
  body: string;
}

/**
 * A running stateful fake of one ticketing system (or the real system, for Request Tracker), seen
 * from the conformance suite. The fake enforces the vendor's API contract; the driver speaks for
 * the people using it.
 *
 * Accounts: `requester`, `approver` and `approver2` are members of the approver group named
 * `credential-approvers` (in the vendor's own sense: a Jira group, a GitHub team, a ServiceNow
 * group...); `outsider` is not.
 */
export interface VendorFake {
  /** Environment for credgate: base URL, token, webhook secret, named as the connector reads them. */
  readonly env: Record<string, string>;
  /** credgate config file sections for this connector, e.g. `{ github: { repositories: [...] } }`. */
  readonly config: Record<string, unknown>;
  /** Where the fake delivers webhooks (credgate's URL is known after the fake started). */
  setWebhook(url: string): void;
  /** Files a credential request; `facts` are the standard facts as "Label: value" lines or form fields. */
  fileRequest(
    as: Role,
    summary: string,
    facts: Record<string, string>,
  ): Promise<{ ticket: string; delivery?: DeliveryResult }>;
  /** Approves the way this system's users approve (a transition, a `/approve` comment, a field). */
  approve(as: Role, ticket: string): Promise<DeliveryResult | undefined>;
  /** Closes or resolves the ticket. */
  close(as: Role, ticket: string): Promise<DeliveryResult | undefined>;
  /** Where the ticket stands now, in credgate's terms (from its status, labels or state field). */
  position(ticket: string): WorkflowPosition;
  /** Comments credgate posted, as a person reads them (escapes and invisible joiners removed). */
  comments(ticket: string): string[];
  /** Sends the last delivery again, same body and delivery id. */
  redeliverLast(): Promise<DeliveryResult | undefined>;
  /** Sends a delivery about `ticket` with a wrong signature or secret. */
  deliverForged(ticket: string): Promise<DeliveryResult | undefined>;
  /** Requests credgate made that the real API would have rejected. */
  readonly violations: readonly string[];
  /** REST calls credgate made to the fake so far (a real system counts none). */
  restCalls?(): number;
  stop(): Promise<void>;
}

/** A system whose state is read over HTTP (a real Request Tracker): the same, answered asynchronously. */
export type AsyncVendorFake = Omit<VendorFake, 'position' | 'comments'> & {
  position(ticket: string): Promise<WorkflowPosition>;
  comments(ticket: string): Promise<string[]>;
};

export interface ConformanceDriver<F extends VendorFake | AsyncVendorFake = VendorFake> {
  /** The connector id (and webhook path: /webhooks/<id>). */
  readonly id: string;
  /**
   * How long a scenario waits for one step to show, and for the whole scenario (a real system on
   * a busy machine is slower than a fake): defaults 8 s and 30 s.
   */
  readonly patience?: { stepMs: number; scenarioMs: number };
  /** Once before the scenarios, with a long timeout: a real system to start (Request Tracker). */
  prepare?(): Promise<void>;
  start(): Promise<F>;
}
