import { Router } from 'express';
import type { ReviewStore } from './review-store';
import type { StoreRateLimiter } from '../store/rate-limiter';
import { clientAddress } from '../server/client-address';

/**
 * `GET /reports/<token>`: a review's report. The token (256 random bits, in the review ticket) is
 * the only credential, so the page is never cached, indexed, framed or sent on as a referrer, and
 * an unknown token gets the same 404 as a malformed one; guesses are slowed per client address.
 */
export function reportRouter(reviews: ReviewStore, csp: string, limiter: StoreRateLimiter): Router {
  const router = Router();
  router.get('/reports/:token', async (req, res, next) => {
    try {
      const wait = await limiter.take(clientAddress(req));
      if (wait > 0) {
        res
          .status(429)
          .set({ 'Retry-After': String(wait), 'Cache-Control': 'no-store' })
          .type('text/plain');
        res.send('too many attempts from this address; try again later\n');
        return;
      }
      const report = await reviews.report(String(req.params.token));
      res.set({
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'X-Robots-Tag': 'noindex, nofollow',
      });
      if (!report) {
        res.status(404).type('text/plain').send('no such report\n');
        return;
      }
      res.set({
        'Content-Security-Policy': csp,
        'X-Frame-Options': 'DENY',
        'Cross-Origin-Resource-Policy': 'same-origin',
      });
      res.status(200).type('html').send(report.html);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
