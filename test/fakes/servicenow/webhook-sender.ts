import { createHmac } from 'node:crypto';
import type { Mutation } from './servicenow-state';
import type { Delivery, WebhookTarget } from './types';

export interface DeliverOptions {
  badSignature?: boolean;
  /** Seconds to shift the timestamp by (a stale or replayed delivery). */
  skewSeconds?: number;
}

interface Sent {
  body: string;
  headers: Record<string, string>;
}

/**
 * What credgate's Business Rule (connectors/servicenow/readme.md) sends after an insert or update:
 * the JSON body below, `X-Credgate-Timestamp` (epoch seconds) and `X-Credgate-Signature:
 * sha256=<base64 HMAC-SHA256 of "<timestamp>.<body>">`, as GlideCertificateEncryption.generateMac
 * computes it. The fake signs with Node's crypto; the script in the readme with the platform's.
 */
export class WebhookSender {
  readonly deliveries: { body: string; status: number }[] = [];
  private last: Sent | undefined;

  constructor(
    private readonly target: () => WebhookTarget | undefined,
    private readonly secret: string,
  ) {}

  bodyOf(m: Mutation): Record<string, string> {
    return { sys_id: m.sysId, number: m.number, table: m.table, event: m.event, updated_by: m.by, sys_mod_count: m.modCount };
  }

  async send(payload: object, opts: DeliverOptions = {}): Promise<Delivery | undefined> {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000) + (opts.skewSeconds ?? 0));
    const key = opts.badSignature ? `${this.secret}-forged` : this.secret;
    const signature = 'sha256=' + createHmac('sha256', key).update(`${timestamp}.${body}`).digest('base64');
    const sent = { body, headers: { 'Content-Type': 'application/json', 'X-Credgate-Timestamp': timestamp, 'X-Credgate-Signature': signature } };
    if (!opts.badSignature) this.last = sent;
    return this.post(sent);
  }

  /** The same request again: an ECC-queue retry resends body and headers unchanged. */
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
