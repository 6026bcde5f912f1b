import type { CredentialRequest } from '../domain/request';
import type { Connector } from '../../connectors/types';
import type { DocumentCollection } from '../store/document-collection';
import type { Leases } from '../store/leases';
import type { Logger } from '../util/logger';
import type { TicketProcessor } from './ticket-processor';
import { TERMINAL_STATES } from '../domain/request';

export interface ReconcilerOptions {
  requests: DocumentCollection<CredentialRequest>;
  connectors: Map<string, Connector>;
  /** Re-reads a ticket the way a delivery would. */
  processor: TicketProcessor;
  /** One replica reconciles per interval. */
  leases: Leases;
  log: Logger;
}

/**
 * Ticketing systems do not reliably redeliver webhooks (GitHub never does; Jira only for some
 * failures). Periodically, one replica re-reads every ticket credgate still has open, plus the
 * tickets the connector lists in credgate's statuses, so a missed approval or close is repaired.
 */
export class Reconciler {
  private readonly requests: DocumentCollection<CredentialRequest>;
  private readonly connectors: Map<string, Connector>;
  private readonly processor: TicketProcessor;
  private readonly leases: Leases;
  private readonly log: Logger;

  constructor(options: ReconcilerOptions) {
    this.requests = options.requests;
    this.connectors = options.connectors;
    this.processor = options.processor;
    this.leases = options.leases;
    this.log = options.log;
  }

  /** One pass, unless another replica ran one within `intervalMs`. Returns the tickets re-read. */
  async run(intervalMs: number): Promise<number> {
    if (!(await this.leases.claim('reconcile', Math.max(1_000, intervalMs - 500)))) return 0;
    const seen = new Set<string>();
    const visit = async (ref: CredentialRequest['ticket']) => {
      const key = `${ref.connector}:${ref.id}`;
      if (seen.has(key) || !this.connectors.has(ref.connector)) return;
      seen.add(key);
      try {
        await this.processor.processTicket(ref);
      } catch (err) {
        this.log.warn(
          { ticket: ref.key, err: (err as Error).message },
          'reconcile could not read a ticket; next pass retries',
        );
      }
    };
    for await (const r of this.requests.all()) if (!TERMINAL_STATES.includes(r.state)) await visit(r.ticket);
    for (const c of this.connectors.values()) {
      if (!c.listOpenTickets) continue;
      try {
        for (const ref of await c.listOpenTickets(['pending-approval', 'approved', 'awaiting-info', 'granted']))
          await visit(ref);
      } catch (err) {
        this.log.warn({ connector: c.id, err: (err as Error).message }, 'reconcile could not list tickets');
      }
    }
    if (seen.size) this.log.info({ tickets: seen.size }, 'reconciled');
    return seen.size;
  }
}
