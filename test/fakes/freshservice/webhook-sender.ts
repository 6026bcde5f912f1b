import type { Delivery, WebhookTarget } from './types';

interface Sent {
  body: string;
  headers: Record<string, string>;
}

/**
 * What the Workflow Automator's "Trigger Webhook" action sends with the content and custom header
 * from connectors/freshservice/readme.md, `{"ticket_id": {{ticket.id_numeric}}}`, and the
 * shared secret in a custom header. Freshservice signs nothing.
 */
export class WebhookSender {
  readonly deliveries: { body: string; status: number }[] = [];
  private last: Sent | undefined;

  constructor(
    private readonly target: () => WebhookTarget | undefined,
    private readonly header: string,
    private readonly secret: string,
  ) {}

  async send(payload: object, opts: { badSecret?: boolean } = {}): Promise<Delivery | undefined> {
    const sent = { body: JSON.stringify(payload), headers: { 'Content-Type': 'application/json', [this.header]: opts.badSecret ? `${this.secret}-wrong` : this.secret } };
    if (!opts.badSecret) this.last = sent;
    return this.post(sent);
  }

  redeliverLast(): Promise<Delivery | undefined> {
    return this.last ? this.post(this.last) : Promise.resolve(undefined);
  }

  private async post(sent: Sent): Promise<Delivery | undefined> {
    const target = this.target();
    if (!target) return undefined;
    const res = await fetch(target.url, { method: 'POST', headers: sent.headers, body: sent.body });
    const delivery = { status: res.status, body: await res.text() };
    this.deliveries.push({ body: sent.body, status: delivery.status });
    return delivery;
  }
}
