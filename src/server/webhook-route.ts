import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import type { Connector } from '../../connectors/types';
import type { Inbox } from '../pipeline/inbox';
import type { Logger } from '../util/logger';
import { CredgateError } from '../util/errors';

export interface WebhookDeps {
  connectors: Map<string, Connector>;
  knownIds: string[];
  inbox: Inbox;
  onAccepted: (key: string) => void;
  log: Logger;
  bodyLimitBytes: number;
  clock: () => Date;
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
        return;
      }
      const { key, outcome } = await deps.inbox.accept({
        connector: id,
        deliveryId: parsed.deliveryId,
        tickets: parsed.tickets,
        receivedAt: deps.clock().toISOString(),
      });
      deps.log.info({ connector: id, delivery: parsed.deliveryId, outcome, tickets: parsed.tickets.map((t) => t.key) }, 'delivery received');
      res.status(202).json({ status: outcome, deliveryId: parsed.deliveryId });
      if (outcome === 'accepted') deps.onAccepted(key);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
