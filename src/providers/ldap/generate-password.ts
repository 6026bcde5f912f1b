import { randomBytes } from 'node:crypto';

/**
 * Character classes for generated passwords. The symbols leave out quotes, backslash and space so a
 * password survives being pasted into a shell, an LDIF file or a connection string unchanged.
 */
const CLASSES = ['abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '0123456789', '-_.!@#%+=~^'];
const ALL = CLASSES.join('');

/** A uniform index below `n` (n <= 256) from the CSPRNG, rejecting bytes that would bias it. */
function randomIndex(n: number): number {
  const limit = 256 - (256 % n);
  for (;;) {
    const [byte] = randomBytes(1);
    if (byte < limit) return byte % n;
  }
}

/**
 * A random password with at least one character of each class, as most directory password
 * policies (AD complexity, ppolicy quality modules) demand.
 */
export function generatePassword(length: number): string {
  if (!Number.isInteger(length) || length < CLASSES.length)
    throw new RangeError(`password length must be an integer of at least ${CLASSES.length}`);
  const chars = CLASSES.map((set) => set[randomIndex(set.length)]);
  while (chars.length < length) chars.push(ALL[randomIndex(ALL.length)]);
  // Fisher-Yates, so the guaranteed characters are not always in front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomIndex(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
