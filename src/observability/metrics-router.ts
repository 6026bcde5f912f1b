import { timingSafeEqual, createHash } from 'node:crypto';
import express, { type Router } from 'express';
import type { Metrics } from './metrics';

/**
 * GET /metrics in Prometheus's text format. With a token (config `metrics.token`), a scrape must
 * send `Authorization: Bearer <token>`; anything else gets a 401 and no metric.
 */
export function metricsRouter(metrics: Metrics, token?: string): Router {
  const router = express.Router();
  router.get('/metrics', async (req, res, next) => {
    try {
      if (token && !bearerMatches(req.headers.authorization, token)) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer realm="credgate metrics"')
          .json({ error: 'auth', message: 'GET /metrics needs the bearer token set in metrics.token' });
        return;
      }
      const text = await metrics.scrape();
      res.status(200).set('Content-Type', metrics.contentType).set('Cache-Control', 'no-store').send(text);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** Constant-time comparison (of digests, so lengths cannot leak either). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]), digest(token));
}
