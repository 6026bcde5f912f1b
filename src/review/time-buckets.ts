import type { TimeBucket } from './review-types';

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Empty buckets covering [since, until) in UTC: days for a month or less, weeks (from Monday) up to
 * half a year, months beyond, so a chart keeps a readable number of bars whatever the period.
 */
export function bucketsFor(since: string, until: string): { unit: 'day' | 'week' | 'month'; buckets: TimeBucket[] } {
  const from = Date.parse(since);
  const to = Math.max(from + 1, Date.parse(until));
  const span = to - from;
  const unit = span <= 31 * DAY_MS ? 'day' : span <= 26 * 7 * DAY_MS ? 'week' : 'month';
  const buckets: TimeBucket[] = [];
  for (let start = floor(from, unit); start < to; start = next(start, unit)) {
    const d = new Date(start);
    const label =
      unit === 'month'
        ? `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
        : `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    // The first bucket starts at the period's start, so every request in the period falls in one.
    buckets.push({
      start: new Date(Math.max(start, from)).toISOString(),
      label: unit === 'week' ? `wk ${label}` : label,
      byRisk: { low: 0, high: 0 },
    });
  }
  return { unit, buckets };
}

function floor(ms: number, unit: 'day' | 'week' | 'month'): number {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (unit === 'day') return day;
  if (unit === 'week') return day - ((d.getUTCDay() + 6) % 7) * DAY_MS;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function next(ms: number, unit: 'day' | 'week' | 'month'): number {
  if (unit === 'day') return ms + DAY_MS;
  if (unit === 'week') return ms + 7 * DAY_MS;
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
