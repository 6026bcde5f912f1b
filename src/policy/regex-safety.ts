/**
 * Why a pattern could take exponential time on a backtracking engine, or null when it is fine:
 * a repeated group that itself contains a repetition (`(a+)+`, `(\w*)*`, `(x|y+){2,}`), the shape
 * behind catastrophic backtracking. A small structural check (star height > 1), not a full ReDoS
 * analysis: overlapping alternatives under one quantifier (`(a|a)*`) are not found.
 */
export function nestedQuantifier(pattern: string): string | null {
  // One frame per open group: where it starts and whether a repetition occurs inside it.
  const frames: { start: number; repeats: boolean }[] = [{ start: 0, repeats: false }];
  let lastGroup: { start: number; repeats: boolean } | null = null;
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      i += 2;
      lastGroup = null;
      continue;
    }
    if (ch === '[') {
      i = classEnd(pattern, i);
      lastGroup = null;
      continue;
    }
    if (ch === '(') {
      frames.push({ start: i, repeats: false });
      i += pattern[i + 1] === '?' ? 2 : 1;
      lastGroup = null;
      continue;
    }
    if (ch === ')') {
      const closed = frames.length > 1 ? frames.pop()! : frames[0];
      if (closed.repeats) frames[frames.length - 1].repeats = true;
      lastGroup = closed;
      i++;
      continue;
    }
    const q = quantifierAt(pattern, i);
    if (q) {
      if (q.repeats) {
        if (lastGroup?.repeats)
          return `the group at position ${lastGroup.start} repeats a repetition ("${pattern.slice(lastGroup.start, i + q.length)}"), which can take exponential time`;
        frames[frames.length - 1].repeats = true;
      }
      i += q.length;
      if (pattern[i] === '?' || pattern[i] === '+') i++; // lazy or possessive-looking suffix
      lastGroup = null;
      continue;
    }
    lastGroup = null;
    i++;
  }
  return null;
}

function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++;
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** A quantifier at `i`: its length and whether it repeats (more than once), `?` and `{0,1}` do not. */
function quantifierAt(pattern: string, i: number): { length: number; repeats: boolean } | null {
  const ch = pattern[i];
  if (ch === '*' || ch === '+') return { length: 1, repeats: true };
  if (ch === '?') return { length: 1, repeats: false };
  if (ch === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (!m) return null;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
    return { length: m[0].length, repeats: max > 1 };
  }
  return null;
}
