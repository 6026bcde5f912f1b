/**
 * Desk's webhooks: POST JSON {delivery: {id}, event, actor, ticket}, with `X-Desk-Delivery` (the
 * same on a redelivery) and `X-Desk-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { DeskDelivery, DeskWebhookTarget } from './types';

export const deskSignature = (secret: string, raw: Buffer) =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

interface Sent {
  raw: Buffer;
  deliveryId: string;
}

export class DeskWebhookSender {
  readonly deliveries: (DeskDelivery & { payload: unknown })[] = [];
  private last: Sent | undefined;

  constructor(private readonly target: () => DeskWebhookTarget | undefined) {}

  async send(
    payload: Record<string, unknown>,
    options: { badSignature?: boolean } = {},
  ): Promise<DeskDelivery | undefined> {
    if (!this.target()) return undefined;
    const deliveryId = randomUUID();
    const raw = Buffer.from(JSON.stringify({ delivery: { id: deliveryId }, ...payload }), 'utf8');
    this.last = { raw, deliveryId };
    return this.post(this.last, options.badSignature);
  }

  redeliverLast(): Promise<DeskDelivery> {
    if (!this.last) throw new Error('FakeDesk: nothing delivered yet');
    return this.post(this.last);
  }

  private async post(sent: Sent, badSignature = false): Promise<DeskDelivery> {
    const target = this.target();
    if (!target) throw new Error('FakeDesk: no webhook configured');
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Desk-Hookshot/1.0',
      'X-Desk-Delivery': sent.deliveryId,
      'X-Desk-Signature': deskSignature(badSignature ? `${target.secret}-wrong` : target.secret, sent.raw),
    };
    let delivery: DeskDelivery;
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers,
        body: sent.raw,
        signal: AbortSignal.timeout(10_000),
      });
      delivery = { status: res.status, body: await res.text(), deliveryId: sent.deliveryId };
    } catch (error) {
      delivery = { status: 0, body: '', deliveryId: sent.deliveryId, error: String(error) };
    }
    this.deliveries.push({ ...delivery, payload: JSON.parse(sent.raw.toString('utf8')) });
    return delivery;
  }
}
