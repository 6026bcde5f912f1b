/**
 * Delivers webhooks the way GitHub does (https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers):
 * POST with X-GitHub-Event, X-GitHub-Delivery (a GUID, the same on a redelivery), X-GitHub-Hook-ID,
 * X-GitHub-Hook-Installation-Target-Type/-ID, User-Agent GitHub-Hookshot/..., and with a secret
 * X-Hub-Signature (SHA-1, legacy) and X-Hub-Signature-256 (HMAC-SHA256 of the raw body).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { DeliverOptions, Delivery, RecordedDelivery, WebhookTarget } from './types';

export function signature256(secret: string, raw: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

interface Sent {
  event: string;
  payload: Record<string, unknown>;
  deliveryId: string;
  options: DeliverOptions;
  target: { type: string; id: number };
}

export class WebhookSender {
  readonly deliveries: RecordedDelivery[] = [];
  private last: Sent | undefined;

  constructor(
    private readonly target: () => WebhookTarget | undefined,
    private readonly hookId: number,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Sends one event; undefined when no webhook is configured. */
  async send(
    event: string,
    payload: Record<string, unknown>,
    target: { type: string; id: number },
    options: DeliverOptions = {},
  ): Promise<Delivery | undefined> {
    if (!this.target()) return undefined;
    const sent: Sent = { event, payload, deliveryId: options.deliveryId ?? randomUUID(), options, target };
    this.last = sent;
    return this.post(sent);
  }

  /** "Redeliver" in GitHub's UI: the same body and the same X-GitHub-Delivery. */
  async redeliverLast(): Promise<Delivery | undefined> {
    if (!this.last) throw new Error('FakeGitHub: nothing delivered yet');
    if (!this.target()) return undefined;
    return this.post(this.last);
  }

  private async post(sent: Sent): Promise<Delivery> {
    const target = this.target();
    if (!target) throw new Error('FakeGitHub: no webhook configured');
    const json = JSON.stringify(sent.payload);
    const form = target.contentType === 'form';
    const raw = Buffer.from(form ? new URLSearchParams({ payload: json }).toString() : json, 'utf8');
    const headers: Record<string, string> = {
      'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json',
      'User-Agent': 'GitHub-Hookshot/4f3e1a2',
      'X-GitHub-Event': sent.event,
      'X-GitHub-Delivery': sent.deliveryId,
      'X-GitHub-Hook-ID': String(this.hookId),
      'X-GitHub-Hook-Installation-Target-Type': sent.target.type,
      'X-GitHub-Hook-Installation-Target-ID': String(sent.target.id),
    };
    if (!sent.options.noSignature && (target.secret !== undefined || sent.options.badSignature)) {
      const secret = sent.options.badSignature ? `${target.secret ?? 'none'}-wrong` : (target.secret as string);
      headers['X-Hub-Signature'] = `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;
      headers['X-Hub-Signature-256'] = signature256(secret, raw);
    }
    let delivery: Delivery;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers,
        body: raw,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      delivery = { status: response.status, body: await response.text(), deliveryId: sent.deliveryId };
    } catch (error) {
      delivery = {
        status: 0,
        body: '',
        deliveryId: sent.deliveryId,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    this.deliveries.push({
      ...delivery,
      event: sent.event,
      action: String(sent.payload.action ?? ''),
      payload: sent.payload,
    });
    return delivery;
  }
}
