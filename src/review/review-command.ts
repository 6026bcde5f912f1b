import { progress } from '../util/progress';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { CredgateError } from '../util/errors';
import type { ReviewJob } from './review-job';
import { durationText, periodLabel } from './review-views';

/** A review job on the configured store and connectors, and how to let go of them. */
export interface ReviewCommandRuntime {
  job: ReviewJob;
  close(): Promise<void>;
}

const parseDate =
  (flag: string) =>
  (value: string): Date => {
    const d = new Date(value);
    if (Number.isNaN(d.getTime()))
      throw new CredgateError(
        'bad-input',
        `${flag} expects a date or an ISO time such as 2026-05-01 or 2026-05-01T06:00:00Z, not "${value}"`,
      );
    return d;
  };

/**
 * `credgate review run [--dry-run] [--since] [--until] [--out file]`: runs a review now. A dry run
 * prints what the review found and what approving it would change, and changes nothing.
 */
export function reviewCommand(
  open: () => Promise<ReviewCommandRuntime>,
  out: (line: string) => void = (s) => process.stdout.write(s + '\n'),
): Command {
  const review = new Command('review').description(
    'periodic access reviews: the report, the review ticket and the purge it proposes',
  );
  review
    .command('run')
    .description('run an access review now (default period: since the last review)')
    .option('--dry-run', 'collect and print; create no ticket, store nothing, change no account')
    .option('--since <time>', 'start of the period (default: where the last review ended)', parseDate('--since'))
    .option('--until <time>', 'end of the period (default: now)', parseDate('--until'))
    .option('--out <file>', 'also write the HTML report to this file (dry runs)')
    .action(async (opts: { dryRun?: boolean; since?: Date; until?: Date; out?: string }) => {
      const line = progress('access review');
      line.note('opening the store');
      const runtime = await open();
      try {
        line.note('collecting requests, grants and accounts');
        const o = await runtime.job.runReview({ dryRun: opts.dryRun, since: opts.since, until: opts.until });
        line.end();
        out(`access review ${periodLabel(o.period)} (${o.reviewId})${o.dryRun ? ': dry run, nothing changed' : ''}`);
        if (o.summary) {
          const s = o.summary;
          out(`requests: ${s.totals.requests} (${s.totals.byRisk.low} low, ${s.totals.byRisk.high} high risk)`);
          for (const c of s.byCategory) out(`  ${c.name}: ${c.total}`);
          out(
            `time to approval: median ${durationText(s.timeToApproval.all.medianMs)}, p90 ${durationText(s.timeToApproval.all.p90Ms)}`,
          );
          out(
            `revocations: ${s.revocations.onTime} on time, ${s.revocations.late} late, ${s.revocations.failed} failed`,
          );
          out(`grants still active: ${s.activeGrants.length}`);
          if (s.breakGlass.length)
            out(
              `break-glass grants: ${s.breakGlass.map((b) => `${b.ticket} (${b.status}${b.confirmedBy.length ? ` by ${b.confirmedBy.join(', ')}` : ''})`).join(', ')}`,
            );
        }
        out(
          o.plan.length
            ? `on approval, credgate would:\n${o.plan.map((p) => `  - ${p}`).join('\n')}`
            : 'no account to purge',
        );
        if (o.ticket) out(`${o.created ? 'review ticket' : 'already reviewed in ticket'}: ${o.ticket.key}`);
        if (o.reportUrl) out(`report: ${o.reportUrl}`);
        if (opts.out && o.html) {
          writeFileSync(opts.out, o.html);
          out(`report written to ${opts.out}`);
        }
      } finally {
        line.end();
        await runtime.close();
      }
    });
  return review;
}
