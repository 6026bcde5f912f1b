import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { CredgateError } from '../util/errors';
import { formatTime } from '../engine/views';
import { reviewCharts } from './charts';
import type { ReviewSummary } from './review-types';
import type { ReviewPolicy } from '../policy/review-policy-schema';
import {
  approversText,
  durationText,
  headline,
  lastUsedText,
  outcomesText,
  periodLabel,
  reasonsText,
  statsText,
} from './review-views';
import { TEMPLATES_ROOT } from '../templates-root';

export const REVIEW_HTML_TEMPLATES = resolve(TEMPLATES_ROOT, 'html', 'review');

/** What the report says besides the figures: its ticket and what a purge would do. */
export interface ReportContext {
  ticketKey?: string;
  policy: Pick<ReviewPolicy, 'approvers' | 'purge'>;
}

export interface ReportRenderer {
  render(summary: ReviewSummary, context: ReportContext): string;
  /** The Content-Security-Policy the page is served with: nothing loads, the stylesheet by its hash. */
  readonly csp: string;
}

/**
 * The review as one self-contained HTML page: inline stylesheet, charts as inline SVG rendered on
 * the server, no script and no external URL, so it prints, mails and archives as it is. Compiled
 * once (a missing or broken template fails the start); every value goes through Handlebars' HTML
 * escaping, only our own stylesheet and the sanitized chart SVG are inserted raw.
 */
export function createReportRenderer(dir = REVIEW_HTML_TEMPLATES): ReportRenderer {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      throw new CredgateError('config', `the review report template ${join(dir, name)} is missing`);
    }
  };
  const source = read('report.hbs');
  const style = read('review.css');
  const hb = Handlebars.create();
  let template: HandlebarsTemplateDelegate;
  try {
    hb.precompile(source, { strict: true });
    template = hb.compile(source, { strict: true });
  } catch (err) {
    throw new CredgateError(
      'config',
      `the review report template report.hbs does not compile: ${(err as Error).message}`,
    );
  }
  const styleHash = `'sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}'`;
  return {
    csp: `default-src 'none'; style-src ${styleHash}; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
    render: (summary, context) => template({ ...reportView(summary, context), style }),
  };
}

/** The report's view model: plain strings and numbers, built from the summary alone. */
export function reportView(s: ReviewSummary, context: ReportContext) {
  const time = (iso: string | null) => (iso ? formatTime(iso) : '–');
  return {
    period: periodLabel(s.period),
    since: time(s.period.since),
    until: time(s.period.until),
    generatedAt: time(s.generatedAt),
    ticketKey: context.ticketKey ?? '',
    figures: headline(s),
    charts: reviewCharts(s),
    categories: s.byCategory.map((c) => ({
      id: c.id,
      name: c.name,
      total: c.total,
      low: c.byRisk.low,
      high: c.byRisk.high,
      outcomes: outcomesText(c.byOutcome),
    })),
    approvers: s.approvers.map((a) => ({
      id: a.id,
      name: a.name,
      total: a.total,
      low: a.byRisk.low,
      high: a.byRisk.high,
    })),
    approvalTimes: (['all', 'low', 'high'] as const).map((risk) => ({ risk, ...statsText(s.timeToApproval[risk]) })),
    durations: {
      capped: s.durations.capped,
      requested: durationText(s.durations.requested.medianMs),
      granted: durationText(s.durations.granted.medianMs),
      actual: durationText(s.durations.actual.medianMs),
      rows: s.durations.rows.map((d) => ({
        ticket: d.ticket,
        risk: d.risk,
        requested: d.requestedMs === null ? 'default' : durationText(d.requestedMs),
        granted: durationText(d.grantedMs),
        actual: d.actualMs === null ? 'still active' : durationText(d.actualMs),
        capped: d.capped,
      })),
    },
    revocations: {
      onTime: s.revocations.onTime,
      late: s.revocations.late,
      failed: s.revocations.failed,
      rows: s.revocations.rows.map((r) => ({
        dueAt: time(r.dueAt),
        ticket: r.ticket,
        account: r.account,
        lag: r.lagMs === null ? '–' : durationText(r.lagMs),
        status: r.status,
        statusClass: r.status === 'on-time' ? '' : r.status,
      })),
    },
    activeGrants: s.activeGrants.map((g) => ({
      ticket: g.ticket,
      requester: g.requester,
      account: g.account,
      systems: g.systems.join(', '),
      expiresAt: time(g.expiresAt),
    })),
    breakGlass: s.breakGlass.map((b) => ({
      ticket: b.ticket,
      requester: b.requester,
      account: b.account,
      systems: b.systems.join(', '),
      grantedAt: time(b.grantedAt),
      confirmedBy: b.confirmedBy.join(', ') || 'nobody',
      status: b.status === 'unconfirmed' ? `not confirmed by ${b.needed}: revoked` : b.status,
      statusClass: b.status === 'unconfirmed' ? 'failed' : '',
    })),
    staleAfterDays: s.staleAfterDays,
    uninspected: s.accounts.uninspected,
    purgeApprovers: approversText(context.policy),
    action: context.policy.purge.action,
    candidates: s.candidates.map((c) => ({
      account: c.account,
      provider: c.provider,
      systems: c.systems.join(', '),
      reasons: reasonsText(c, s.staleAfterDays),
      lastUsed: lastUsedText(c),
      expiresAt: time(c.expiresAt),
    })),
  };
}
