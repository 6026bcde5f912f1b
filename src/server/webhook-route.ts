import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import type { Connector } from '../../connectors/types';
import type { Inbox } from '../pipeline/inbox';
import type { Logger } from '../util/logger';
import { CredgateError } from '../util/errors';
import { deliveryOutcomeOf, type DeliveryOutcome } from '../observability/delivery-outcome';
import type { DeliveryLog } from '../pipeline/delivery-log';
import { sendPayloadTooLarge } from './error-handler';

export interface WebhookDeps {
  connectors: Map<string, Connector>;
  knownIds: string[];
  inbox: Inbox;
  onAccepted: (key: string) => void;
  log: Logger;
  bodyLimitBytes: number;
  clock: () => Date;
  /** Told what became of each delivery (metrics); `connector` is "unknown" for ids no connector has. */
  onDelivery?: (connector: string, outcome: DeliveryOutcome) => void;
  /** Where every delivery answered 202 is written with what became of it. */
  deliveryLog?: DeliveryLog;
}

/**
 * POST /webhooks/:connector — verify, then persist, then acknowledge; processing happens after
 * the answer, from the inbox. A failed check stores nothing.
 */
export function webhookRouter(deps: WebhookDeps): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });

  // The delivery log is for people: a failure to write it never fails the acknowledgement.
  const note = (write: Promise<void> | undefined) =>
    write?.catch((err) => deps.log.warn({ err: (err as Error).message }, 'delivery log not written'));

  router.post(
    '/webhooks/:connector',
    refuseDeclaredOversize(deps.bodyLimitBytes, (id) =>
      deps.onDelivery?.(deps.knownIds.includes(id) ? id : 'unknown', 'too-large'),
    ),
    raw,
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const id = String(req.params.connector);
        const connector = deps.connectors.get(id);
        if (!connector) {
          const hint = deps.knownIds.includes(id)
            ? `connector "${id}" is not configured on this server`
            : `unknown connector "${id}"; known connectors: ${deps.knownIds.join(', ')}`;
          throw new CredgateError('not-found', hint);
        }
        const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        if (rawBody.length === 0) throw new CredgateError('bad-input', 'the request has no body');
        const delivery = { rawBody, headers: req.headers };
        await connector.verify(delivery);
        const parsed = connector.parse(delivery);
        const receivedAt = deps.clock().toISOString();
        const seen = { connector: id, deliveryId: parsed.deliveryId, tickets: parsed.tickets, receivedAt };
        if (parsed.ignored || parsed.tickets.length === 0) {
          const reason = parsed.ignored ?? 'it names no ticket';
          deps.log.info({ connector: id, delivery: parsed.deliveryId, reason }, 'delivery ignored');
          await note(deps.deliveryLog?.ignored({ ...seen, id: `${id}:${parsed.deliveryId}@${receivedAt}`, reason }));
          res.status(202).json({ status: 'ignored', reason });
          deps.onDelivery?.(id, 'ignored');
          return;
        }
        const { key, outcome } = await deps.inbox.accept(seen);
        await note(
          outcome === 'accepted'
            ? deps.deliveryLog?.received({ ...seen, id: key })
            : deps.deliveryLog?.ignored({
                ...seen,
                id: `${key}@${receivedAt}`,
                reason: 'duplicate: the same delivery id was accepted before',
              }),
        );
        deps.log.info(
          { connector: id, delivery: parsed.deliveryId, outcome, tickets: parsed.tickets.map((t) => t.key) },
          'delivery received',
        );
        res.status(202).json({ status: outcome, deliveryId: parsed.deliveryId });
        deps.onDelivery?.(id, outcome);
        if (outcome === 'accepted') deps.onAccepted(key);
      } catch (err) {
        next(err);
      }
    },
  );
  // Refusals (401, 400, 413 from the body parser, unknown connector) are counted on their way to
  // the error handler. Only known ids become labels: a path is attacker-chosen.
  router.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    const id = /^\/webhooks\/([^/]+)/.exec(req.path)?.[1];
    if (id !== undefined) deps.onDelivery?.(deps.knownIds.includes(id) ? id : 'unknown', deliveryOutcomeOf(err));
    next(err);
  });
  return router;
}

/**
 * A body whose Content-Length already exceeds the limit is refused before a byte of it is read:
 * body-parser would read (and discard) all of it first, so a 100 MB upload held the connection for
 * seconds. The connection closes with the answer, so the rest of the upload is never taken in.
 */
function refuseDeclaredOversize(limit: number, refused: (connector: string) => void) {
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length']);
    if (!Number.isFinite(declared) || declared <= limit) return next();
    res.setHeader('Connection', 'close');
    res.on('finish', () => req.socket.destroySoon());
    refused(String(req.params.connector));
    sendPayloadTooLarge(res, limit);
  };
}
