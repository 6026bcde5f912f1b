/**
 * Delivers webhooks the way Jira Cloud does: POST with Content-Type: application/json,
 * X-Atlassian-Webhook-Identifier (unique per event, the same on every retry), X-Atlassian-Webhook-Retry,
 * and, when the webhook has a secret, X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>
 * (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { DeliverOptions, Delivery, RecordedDelivery, WebhookTarget } from './types';

export function signature(secret: string, raw: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

interface Sent {
  raw: Buffer;
  identifier: string;
  event: string;
  payload: unknown;
  options: DeliverOptions;
  retry: number;
}

export class WebhookSender {
  readonly deliveries: RecordedDelivery[] = [];
  private last: Sent | undefined;

  constructor(
    private readonly target: () => WebhookTarget | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Sends a payload; undefined when no webhook is configured. */
  async send(payload: unknown, options: DeliverOptions = {}): Promise<Delivery | undefined> {
    if (!this.target()) return undefined;
    const raw = Buffer.from(JSON.stringify(payload), 'utf8');
    const event =
      typeof payload === 'object' && payload !== null
        ? String((payload as { webhookEvent?: unknown }).webhookEvent ?? '')
        : '';
    const sent: Sent = { raw, identifier: options.identifier ?? randomUUID(), event, payload, options, retry: 0 };
    this.last = sent;
    return this.post(sent);
  }

  /** Sends the last delivery again: same bytes, same identifier, retry count + 1. */
  async redeliverLast(): Promise<Delivery | undefined> {
    if (!this.last) throw new Error('FakeJira: nothing delivered yet');
    if (!this.target()) return undefined;
    this.last = { ...this.last, retry: this.last.retry + 1 };
    return this.post(this.last);
  }

  private async post(sent: Sent): Promise<Delivery> {
    const target = this.target();
    if (!target) throw new Error('FakeJira: no webhook configured');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'Atlassian Webhook HTTP Client',
      'X-Atlassian-Webhook-Identifier': sent.identifier,
      'X-Atlassian-Webhook-Retry': String(sent.retry),
    };
    if (!sent.options.noSignature && (target.secret !== undefined || sent.options.badSignature)) {
      const secret = target.secret ?? 'no-secret-configured';
      headers['X-Hub-Signature'] = signature(sent.options.badSignature ? `${secret}-wrong` : secret, sent.raw);
    }
    let delivery: Delivery;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers,
        body: sent.raw,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      delivery = { status: response.status, body: await response.text(), identifier: sent.identifier };
    } catch (error) {
      delivery = {
        status: 0,
        body: '',
        identifier: sent.identifier,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    this.deliveries.push({ ...delivery, event: sent.event, payload: sent.payload, retry: sent.retry });
    return delivery;
  }
}
