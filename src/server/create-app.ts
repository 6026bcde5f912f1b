import express, { type Express } from 'express';
import { webhookRouter, type WebhookDeps } from './webhook-route';
import { errorHandler } from './error-handler';

export interface AppDeps extends WebhookDeps {
  health: () => Promise<Record<string, unknown>>;
  /** Further surfaces (one-time links, the service-desk page, metrics), mounted before the 404. */
  routers?: express.Router[];
  /** Where people reach credgate; when it is https, browsers are told to keep to https (HSTS). */
  publicUrl?: string;
}

/** The HTTP surface: webhooks and health. Everything it needs is injected. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  if (deps.publicUrl?.startsWith('https://')) {
    // Not includeSubDomains or preload: other hosts under the operator's domain are not ours to pin.
    app.use((_req, res, next) => {
      res.setHeader('Strict-Transport-Security', 'max-age=31536000');
      next();
    });
  }
  app.get('/healthz', async (_req, res, next) => {
    try {
      res.json({ status: 'ok', ...(await deps.health()) });
    } catch (err) {
      next(err);
    }
  });
  app.use(webhookRouter(deps));
  for (const router of deps.routers ?? []) app.use(router);
  app.use((req, res) => {
    res.status(404).json({ error: 'not-found', message: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(deps.log));
  return app;
}
