/**
 * Parses the durations people write in tickets and policy files: "4h", "90 minutes", "2 days", "500ms",
 * "1h30m", "1.5h" and ISO 8601 "PT4H" / "P1D". Returns milliseconds, or null when the text is not
 * a duration, so the caller can tell the requester exactly what to fix.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  wk: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;
const ISO = /^p(?:(\d+)w)?(?:(\d+)d)?(?:t(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?)?$/;

/** Upper bound so a typo like "9999999d" cannot overflow timers or dates. */
const MAX_MS = 366 * 86_400_000;

export function parseDuration(text: string): number | null {
  const input = text.trim().toLowerCase();
  if (input.length === 0 || input.length > 64) return null;
  const total = input.startsWith('p') ? parseIso(input) : parseParts(input);
  if (total === null || !Number.isFinite(total)) return null;
  // Rounded before the range check: "0.4ms" is 0 ms, not a duration (it used to return 0).
  const ms = Math.round(total);
  return ms <= 0 || ms > MAX_MS ? null : ms;
}

function parseIso(input: string): number | null {
  const m = ISO.exec(input);
  if (!m || input === 'p' || input === 'pt') return null;
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  return w * UNIT_MS.w + d * UNIT_MS.d + h * UNIT_MS.h + min * UNIT_MS.m + s * UNIT_MS.s;
}

function parseParts(input: string): number | null {
  const compact = input.replace(/\s*(,|and)\s*/g, ' ');
  let total = 0;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < compact.length) {
    while (compact[pos] === ' ') pos++;
    if (pos >= compact.length) break;
    PART.lastIndex = pos;
    const m = PART.exec(compact);
    if (!m) return null;
    const unit = UNIT_MS[m[2]];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    pos = PART.lastIndex;
  }
  return pos === 0 ? null : total;
}

/** "4h", "1d 2h", "30m": the short form used in comments. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length ? parts.slice(0, 2).join(' ') : '0s';
}
