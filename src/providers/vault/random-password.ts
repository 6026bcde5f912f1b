import { randomInt } from 'node:crypto';

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
/** Symbols that survive shells, URLs in connection strings and most password rules unquoted. */
const SYMBOLS = '-_.+=';
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

/**
 * A password from the OS's CSPRNG, with at least one character of each class (common password
 * rules require them), placed at random. Look-alike characters (l, 1, O, 0, I) are left out
 * because the recipient may have to type it.
 */
export function randomPassword(length = 32): string {
  if (length < 12 || length > 256) throw new RangeError('password length must be between 12 and 256');
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map(pick);
  while (chars.length < length) chars.push(pick(ALL));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

const pick = (set: string): string => set[randomInt(set.length)];
