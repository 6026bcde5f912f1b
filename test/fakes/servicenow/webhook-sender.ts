import { createHmac } from 'node:crypto';
import { ResendingWebhookSender } from '../resending-webhook-sender';
import type { Mutation } from './servicenow-state';
import type { Delivery, WebhookTarget } from './types';

export interface DeliverOptions {
  badSignature?: boolean;
  /** Seconds to shift the timestamp by (a stale or replayed delivery). */
  skewSeconds?: number;
}

/**
 * What credgate's Business Rule (connectors/servicenow/readme.md) sends after an insert or update:
 * the JSON body below, `X-Credgate-Timestamp` (epoch seconds) and `X-Credgate-Signature:
 * sha256=<base64 HMAC-SHA256 of "<timestamp>.<body>">`, as GlideCertificateEncryption.generateMac
 * computes it. The fake signs with Node's crypto; the script in the readme with the platform's.
 */
export class WebhookSender extends ResendingWebhookSender {
  constructor(
    target: () => WebhookTarget | undefined,
    private readonly secret: string,
  ) {
    super(target);
  }

  bodyOf(m: Mutation): Record<string, string> {
    return {
      sys_id: m.sysId,
      number: m.number,
      table: m.table,
      event: m.event,
      updated_by: m.by,
      sys_mod_count: m.modCount,
    };
  }

  async send(payload: object, opts: DeliverOptions = {}): Promise<Delivery | undefined> {
    const body = JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000) + (opts.skewSeconds ?? 0));
    const key = opts.badSignature ? `${this.secret}-forged` : this.secret;
    const signature = 'sha256=' + createHmac('sha256', key).update(`${timestamp}.${body}`).digest('base64');
    const sent = {
      body,
      headers: {
        'Content-Type': 'application/json',
        'X-Credgate-Timestamp': timestamp,
        'X-Credgate-Signature': signature,
      },
    };
    // An ECC-queue retry resends body and headers unchanged, so redeliverLast repeats the timestamp too.
    return this.sendPrepared(sent, { forged: opts.badSignature });
  }
}
