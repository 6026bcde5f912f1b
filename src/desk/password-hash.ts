import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export const SCRYPT_HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

/** 2^15 × 8 × 128 bytes = 32 MiB and roughly 50-100 ms per check: slow for guessing, fine for a login. */
const DEFAULTS = { N: 32_768, r: 8, p: 1 };
const KEY_BYTES = 32;

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
  length: number,
): Promise<Buffer> {
  // maxmem must exceed 128·N·r or node refuses the parameters it was asked to use.
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((ok, fail) =>
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? fail(err) : ok(key))),
  );
}

/** Hashes a password for `desk.users[].passwordHash`. */
export async function hashPassword(password: string, params = DEFAULTS): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * True when `password` matches `encoded`. The comparison is constant-time; parameters are bounded
 * so a hash pasted from elsewhere cannot make every login take minutes or exhaust memory.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const m = SCRYPT_HASH.exec(encoded);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || N > 1_048_576 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5], 'base64url');
  const actual = await derive(password, Buffer.from(m[4], 'base64url'), { N, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}
