import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import type { Connector } from '../../connectors/types';
import type { Inbox } from '../pipeline/inbox';
import type { Logger } from '../util/logger';
import { CredgateError } from '../util/errors';
import { deliveryOutcomeOf, type DeliveryOutcome } from '../observability/delivery-outcome';

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
}

/**
 * POST /webhooks/:connector — verify, then persist, then acknowledge; processing happens after
 * the answer, from the inbox. A failed check stores nothing.
 */
export function webhookRouter(deps: WebhookDeps): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });

  router.post('/webhooks/:connector', raw, async (req: Request, res: Response, next: NextFunction) => {
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
      if (parsed.ignored || parsed.tickets.length === 0) {
        deps.log.debug({ connector: id, delivery: parsed.deliveryId, reason: parsed.ignored }, 'delivery ignored');
        res.status(202).json({ status: 'ignored', reason: parsed.ignored ?? 'no ticket' });
        deps.onDelivery?.(id, 'ignored');
        return;
      }
      const { key, outcome } = await deps.inbox.accept({
        connector: id,
        deliveryId: parsed.deliveryId,
        tickets: parsed.tickets,
        receivedAt: deps.clock().toISOString(),
      });
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
  });
  // Refusals (401, 400, 413 from the body parser, unknown connector) are counted on their way to
  // the error handler. Only known ids become labels: a path is attacker-chosen.
  router.use((err: unknown, req: Request, _res: Response, next: NextFunction) => {
    const id = /^\/webhooks\/([^/]+)/.exec(req.path)?.[1];
    if (id !== undefined) deps.onDelivery?.(deps.knownIds.includes(id) ? id : 'unknown', deliveryOutcomeOf(err));
    next(err);
  });
  return router;
}
