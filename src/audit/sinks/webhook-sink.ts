import { createHmac } from 'node:crypto';
import { request } from 'node:https';
import { CredgateError } from '../../util/errors';
import type { AuditRecord } from '../audit-log';
import { canonical } from '../audit-log';
import type { AuditSink } from './audit-shipper';
import type { WebhookSinkConfig } from './sink-config';

/** The headers a receiver checks; documented in the README's "Events out". */
export const SIGNATURE_HEADER = 'x-credgate-signature';
export const TIMESTAMP_HEADER = 'x-credgate-timestamp';
export const SEQ_HEADER = 'x-credgate-seq';

/** HMAC-SHA256 over `timestamp.body`, hex, as the receiver recomputes it. */
export const signAuditDelivery = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/**
 * POSTs each audit record as canonical JSON to an HTTPS endpoint, signed over the timestamp and the
 * body so a receiver can refuse forgeries and replays, with the record's seq in a header so it can
 * dedupe and detect gaps. Only a 2xx counts as delivered; anything else is retried by the shipper.
 */
export function createWebhookSink(
  config: WebhookSinkConfig,
  deps: { clock: () => Date; timeoutMs: number },
): AuditSink {
  const url = new URL(config.url);
  return {
    name: config.name,
    deliver: (record: AuditRecord) =>
      new Promise<void>((ok, fail) => {
        const body = canonical(record);
        const timestamp = String(Math.floor(deps.clock().getTime() / 1000));
        const req = request(
          url,
          {
            method: 'POST',
            ca: config.tls.ca,
            servername: config.tls.serverName,
            timeout: deps.timeoutMs,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              'user-agent': 'credgate-audit-sink',
              [TIMESTAMP_HEADER]: timestamp,
              [SEQ_HEADER]: String(record.seq),
              [SIGNATURE_HEADER]: signAuditDelivery(config.secret, timestamp, body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              if (status >= 200 && status < 300) ok();
              // The receiver's body is not quoted: it may echo what it was sent.
              else fail(new CredgateError('transient', `audit sink ${config.name}: the receiver answered ${status}`));
            });
            res.on('error', fail);
          },
        );
        req.on('timeout', () => req.destroy(new CredgateError('transient', `no answer within ${deps.timeoutMs} ms`)));
        req.on('error', (err) =>
          fail(new CredgateError('transient', `audit sink ${config.name}: ${url.host} unreachable (${err.message})`)),
        );
        req.end(body);
      }),
    async close() {},
  };
}
