import { CredgateError } from '../util/errors';
/**
 * Working time: "4h" counted only inside a calendar's working hours (working days, a daily window,
 * a time zone, holidays). Pure: the same instant and calendar always give the same answer, and
 * daylight-saving changes are handled by the time zone database through Intl.
 */
export interface BusinessCalendar {
  /** IANA time zone, e.g. "Europe/Berlin". */
  timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday ... 7 = Sunday. */
  days: number[];
  /** Daily window in local time, "09:00" to "17:00". */
  hours: { start: string; end: string };
  /** Local dates ("2026-12-25") that are not working days. */
  holidays: string[];
}

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Local {
  date: string;
  weekday: number;
  /** The local wall time read as if it were UTC, in ms: differs from the instant by the offset. */
  wallMs: number;
}

function local(ms: number, timeZone: string): Local {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const wallMs = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return { date, weekday: WEEKDAY[parts.weekday], wallMs };
}

/** The instant a local date and minute of day name in a time zone (the later one in a DST gap). */
function instantOf(date: string, minutes: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d) + minutes * 60_000;
  let guess = wall;
  for (let i = 0; i < 3; i++) guess = wall - (local(guess, timeZone).wallMs - guess);
  return guess;
}

const nextDate = (date: string): string => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
};

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** The instant `ms` of working time after `start`. */
export function addWorkingTime(start: Date, ms: number, cal: BusinessCalendar): Date {
  let t = start.getTime();
  let left = ms;
  const open = minutesOf(cal.hours.start);
  const close = minutesOf(cal.hours.end);
  let day = local(t, cal.timeZone).date;
  // Ten years of days is more than any policy means; a calendar with no working day ends here.
  for (let i = 0; i < 3660 && left > 0; i++) {
    const weekday = local(instantOf(day, 12 * 60, cal.timeZone), cal.timeZone).weekday;
    if (cal.days.includes(weekday) && !cal.holidays.includes(day)) {
      const from = instantOf(day, open, cal.timeZone);
      const to = instantOf(day, close, cal.timeZone);
      if (t < from) t = from;
      if (t < to) {
        const take = Math.min(left, to - t);
        t += take;
        left -= take;
        if (left === 0) break;
      }
    }
    day = nextDate(day);
    t = Math.max(t, instantOf(day, 0, cal.timeZone));
  }
  if (left > 0) throw new CredgateError('config', 'the business calendar has no working hours');
  return new Date(t);
}
