/**
 * Child process: the load generator. Runs autocannon (one or several instances in parallel) with
 * signed, unique Jira deliveries, in its own process so it never shares an event loop with the
 * servers it measures.
 */
import autocannon from 'autocannon';
import { serve } from './ipc';
import { deliveryFactory, type IssueRef } from './deliveries';
import { summarize, round, type Summary } from './common';

export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  /** Fixed total rate (autocannon `overallRate`); absent: as fast as the server answers. */
  overallRate?: number;
  issues: IssueRef[];
  secret: string;
}

export interface LoadResult {
  url: string;
  connections: number;
  durationS: number;
  overallRate: number | null;
  /** Responses per second over the run (all statuses). */
  reqPerSec: number;
  /** 2xx responses per second. */
  okPerSec: number;
  sent: number;
  responses: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** From every 2xx response's measured duration (µs resolution, no coordinated-omission correction), ms. */
  latency: Summary;
  /** autocannon's own histogram (1 ms resolution; corrected for coordinated omission at a fixed rate), ms. */
  autocannon: { p50: number; p90: number; p99: number; max: number; mean: number };
  cpuMs: number;
}

function runOne(spec: LoadSpec): Promise<LoadResult> {
  const next = deliveryFactory(spec.issues, spec.secret);
  const latencies: number[] = [];
  return new Promise((ok, fail) => {
    const cpu = process.cpuUsage();
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/webhooks/jira',
            setupRequest: (req: any) => {
              const d = next();
              req.headers = d.headers;
              req.body = d.body;
              return req;
            },
          },
        ],
      },
      (err, result) => {
        if (err) return fail(err);
        const used = process.cpuUsage(cpu);
        const statusCodes: Record<string, number> = {};
        for (const [code, v] of Object.entries(result.statusCodeStats ?? {}))
          statusCodes[code] = (v as { count: number }).count;
        const ok2xx = result['2xx'];
        const responses = ok2xx + result.non2xx;
        ok({
          url: spec.url,
          connections: spec.connections,
          durationS: result.duration,
          overallRate: spec.overallRate ?? null,
          reqPerSec: round(responses / result.duration, 1),
          okPerSec: round(ok2xx / result.duration, 1),
          sent: result.requests.sent,
          responses,
          ok: ok2xx,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          latency: summarize(latencies),
          autocannon: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            max: result.latency.max,
            mean: result.latency.mean,
          },
          cpuMs: round((used.user + used.system) / 1000, 0),
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

serve({
  run: (spec: LoadSpec) => runOne(spec),
  /** Several autocannon instances at once (one per replica), in this one process. */
  runMany: (specs: LoadSpec[]) => Promise.all(specs.map(runOne)),
});
