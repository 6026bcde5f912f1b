import { ResendingWebhookSender } from '../resending-webhook-sender';
import type { TicketActivity } from './ninjaone-state';
import type { Delivery, WebhookConfig } from './types';

/**
 * NinjaOne's activity notifications to the URL configured with PUT /v2/webhook, with the custom
 * headers configured there and nothing else: NinjaOne signs nothing. The description specifies no
 * payload; the fake sends an activity (the description's `Activity` fields) naming the ticket.
 */
export class WebhookSender extends ResendingWebhookSender {
  private nextId = 7_000_000;

  constructor(private readonly config: () => WebhookConfig | null) {
    super(() => {
      const url = config()?.url;
      return url ? { url } : undefined;
    });
  }

  /** True when the configured activity and organization filters let this activity through. */
  wants(activity: TicketActivity): boolean {
    const c = this.config();
    if (!c?.url) return false;
    if (c.organizationIds?.length && !c.organizationIds.includes(activity.organizationId)) return false;
    if (!c.activities) return true;
    const codes = c.activities.NINJA_TICKETING;
    return Array.isArray(codes) && (codes.length === 0 || codes.includes('*') || codes.includes(activity.statusCode));
  }

  async send(activity: TicketActivity, opts: { header?: 'wrong' | 'missing' } = {}): Promise<Delivery | undefined> {
    if (!opts.header && !this.wants(activity)) return undefined;
    const id = this.nextId++;
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    for (const h of this.config()?.headers ?? []) {
      if (!h.name) continue;
      if (opts.header === 'missing') continue;
      headers[h.name] = opts.header === 'wrong' ? `${h.value ?? ''}x` : (h.value ?? '');
    }
    const body = JSON.stringify({
      id,
      activityTime: Date.now() / 1000,
      activityType: 'NINJA_TICKETING',
      statusCode: activity.statusCode,
      status: activity.statusCode === 'NINJA_TICKETING_TICKET_CREATED' ? 'Ticket created' : 'Ticket updated',
      type: 'Ticketing',
      ticketId: activity.ticketId,
      data: {
        message: {
          code: activity.statusCode,
          params: { ticketId: activity.ticketId, clientId: activity.organizationId },
        },
      },
    });
    return this.sendPrepared({ body, headers }, { forged: Boolean(opts.header) });
  }
}
