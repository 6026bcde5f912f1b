import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword, verifyPassword } from './password-hash';
import type { DeskConfig } from './desk-config';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Equal-length digests compared in constant time, so neither length nor content leaks through timing. */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b));

/** What an `Authorization` header carries, if anything usable. */
export type HeaderCredentials =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | null;

export function parseAuthorization(header: string | undefined): HeaderCredentials {
  if (!header) return null;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme) && value) return { kind: 'bearer', token: value };
  if (/^basic$/i.test(scheme) && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return null;
}

/**
 * Checks desk users' passwords and the automation token. A wrong username costs the same scrypt
 * work as a wrong password (checked against a throwaway hash), so timing does not tell which
 * usernames exist.
 */
export class DeskCredentials {
  private decoy: Promise<string> | null = null;

  constructor(private readonly config: Pick<DeskConfig, 'users' | 'token'>) {}

  /** The user's configured name when the password is right, otherwise null. */
  async checkPassword(username: string, password: string): Promise<string | null> {
    if (username.length > 256 || password.length > 1024) return null;
    let match: DeskConfig['users'][number] | undefined;
    for (const user of this.config.users) if (sameSecret(user.username, username)) match = user;
    const encoded = match?.passwordHash ?? (await (this.decoy ??= hashPassword(randomBytes(16).toString('hex'))));
    const ok = await verifyPassword(password, encoded);
    return ok && match ? match.username : null;
  }

  checkToken(token: string): boolean {
    return this.config.token !== undefined && sameSecret(token, this.config.token);
  }
}
