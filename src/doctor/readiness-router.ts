import express from 'express';
import type { CheckResult, SetupCheck } from './check';
import { runChecks } from './run-checks';

/**
 * `GET /readyz`: the doctor's dependency checks (servers answer, the store takes writes), answered 503 with the failing names while a dependency is
 * down. Results are reused for `cacheMs` and one run at a time goes out, so a load balancer
 * probing every second costs the ticketing system one round of calls per period, not per probe.
 * `/healthz` stays liveness: it never calls out.
 */
export function readinessRouter(checks: () => SetupCheck[], options: { cacheMs?: number; now: () => number }) {
  const cacheMs = options.cacheMs ?? 10_000;
  let last: { at: number; results: CheckResult[] } | null = null;
  let running: Promise<CheckResult[]> | null = null;
  const current = async (): Promise<CheckResult[]> => {
    if (last && options.now() - last.at < cacheMs) return last.results;
    running ??= runChecks(
      checks().filter((c) => c.dependency),
      { timeoutMs: 5_000 },
    )
      .then((results) => {
        last = { at: options.now(), results };
        return results;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const router = express.Router();
  router.get('/readyz', async (_req, res, next) => {
    try {
      const results = await current();
      const failing = results.filter((r) => !r.ok).map((r) => r.name);
      // Names only: a check's message may name hosts and accounts, which an unauthenticated probe must not learn.
      res.status(failing.length ? 503 : 200).json({ status: failing.length ? 'unready' : 'ready', failing });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
