import { createHash, randomBytes } from 'node:crypto';

/** 32 random bytes in base64url: exactly 43 characters from the URL-safe alphabet. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A new link token. It lives only in the URL handed to the requester; the store never sees it. */
export const newToken = (): string => randomBytes(32).toString('base64url');

export const isWellFormedToken = (text: string): boolean => TOKEN.test(text);

/** The store key of a link: SHA-256 of its token, so the store can find a link but not forge its URL. */
export const linkIdOf = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A short, non-secret prefix of a link id for log lines. */
export const shortId = (id: string): string => id.slice(0, 12);
