import { ResendingWebhookSender } from '../resending-webhook-sender';
import type { Delivery, WebhookTarget } from './types';

/**
 * What the Workflow Automator's "Trigger Webhook" action sends with the content and custom header
 * from connectors/freshservice/readme.md, `{"ticket_id": {{ticket.id_numeric}}}`, and the
 * shared secret in a custom header. Freshservice signs nothing.
 */
export class WebhookSender extends ResendingWebhookSender {
  constructor(
    target: () => WebhookTarget | undefined,
    private readonly header: string,
    private readonly secret: string,
  ) {
    super(target);
  }

  async send(payload: object, opts: { badSecret?: boolean } = {}): Promise<Delivery | undefined> {
    const sent = {
      body: JSON.stringify(payload),
      headers: {
        'Content-Type': 'application/json',
        [this.header]: opts.badSecret ? `${this.secret}-wrong` : this.secret,
      },
    };
    return this.sendPrepared(sent, { forged: opts.badSecret });
  }
}
