/**
 * Delivers webhooks the way Zendesk does: POST, Content-Type application/json, and the headers
 * https://developer.zendesk.com/documentation/webhooks/anatomy-of-a-webhook-request/ lists
 * (x-zendesk-account-id, x-zendesk-webhook-id, x-zendesk-webhook-invocation-id, and the signature
 * pair): base64(HMAC-SHA256(secret, TIMESTAMP + BODY)).
 */
import { createHmac } from 'node:crypto';
import { ACCOUNT_ID } from './webhook-payloads';
import type { DeliverOptions, FakeDelivery, FakeWebhookTarget } from './types';

export const WEBHOOK_ID = '01F1KRFQ6BG29CNWFR60NK5FNY';

/** base64(HMAC-SHA256(secret, timestamp + body)): what Zendesk documents today. */
export function zendeskSignatureOf(secret: string, timestamp: string, raw: Buffer): string {
  return createHmac('sha256', secret)
    .update(timestamp + raw.toString('utf8'))
    .digest('base64');
}

interface Sent {
  raw: Buffer;
  invocationId: string;
  headers: Record<string, string>;
}

export interface RecordedZendeskDelivery extends FakeDelivery {
  payload: unknown;
  headers: Record<string, string>;
}

export class ZendeskWebhookSender {
  readonly deliveries: RecordedZendeskDelivery[] = [];
  private last: Sent | undefined;
  private invocation = 8_350_205_000;

  constructor(
    private readonly target: () => FakeWebhookTarget | undefined,
    private readonly clock: () => Date,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Signs and sends raw bytes; undefined when no webhook is configured. */
  async sendRaw(raw: Buffer, options: DeliverOptions = {}): Promise<FakeDelivery | undefined> {
    const target = this.target();
    if (!target) return undefined;
    const invocationId = String(++this.invocation);
    const timestamp =
      options.timestamp ??
      this.clock()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'Zendesk Webhook',
      'x-zendesk-account-id': String(ACCOUNT_ID),
      'x-zendesk-webhook-id': WEBHOOK_ID,
      'x-zendesk-webhook-invocation-id': invocationId,
    };
    if (!options.noSignature) {
      const secret = options.badSignature ? `${target.secret}-wrong` : target.secret;
      headers['x-zendesk-webhook-signature'] = zendeskSignatureOf(secret, timestamp, raw);
      headers['x-zendesk-webhook-signature-timestamp'] = timestamp;
    }
    const sent: Sent = { raw, invocationId, headers };
    this.last = sent;
    return this.post(sent);
  }

  send(payload: unknown, options: DeliverOptions = {}): Promise<FakeDelivery | undefined> {
    return this.sendRaw(Buffer.from(JSON.stringify(payload), 'utf8'), options);
  }

  /** Sends the last delivery again: the same bytes, headers and invocation id. */
  async redeliverLast(): Promise<FakeDelivery | undefined> {
    if (!this.last) throw new Error('FakeZendesk: nothing delivered yet');
    return this.post(this.last);
  }

  private async post(sent: Sent): Promise<FakeDelivery> {
    const target = this.target();
    if (!target) throw new Error('FakeZendesk: no webhook configured');
    let delivery: FakeDelivery;
    try {
      // Zendesk gives an endpoint 10 seconds.
      const response = await fetch(target.url, {
        method: 'POST',
        headers: sent.headers,
        body: sent.raw,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      delivery = { status: response.status, body: await response.text(), invocationId: sent.invocationId };
    } catch (error) {
      delivery = {
        status: 0,
        body: '',
        invocationId: sent.invocationId,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    let payload: unknown;
    try {
      payload = JSON.parse(sent.raw.toString('utf8'));
    } catch {
      payload = sent.raw.toString('utf8');
    }
    this.deliveries.push({ ...delivery, payload, headers: sent.headers });
    return delivery;
  }
}
