import { Router } from 'express';
import type { ReviewStore } from './review-store';

/**
 * `GET /reports/<token>`: a review's report. The token (256 random bits, in the review ticket) is
 * the only credential, so the page is never cached, indexed, framed or sent on as a referrer, and
 * an unknown token gets the same 404 as a malformed one.
 */
export function reportRouter(reviews: ReviewStore, csp: string): Router {
  const router = Router();
  router.get('/reports/:token', async (req, res, next) => {
    try {
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
