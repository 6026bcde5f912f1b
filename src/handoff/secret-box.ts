import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { CredgateError } from '../util/errors';

/** A secret sealed with AES-256-GCM; every field is base64. Safe to store: useless without both keys. */
export interface SealedBox {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

/** What opens a box: the configured key and the link's token (which only the URL holds). */
export interface BoxKeys {
  key: Buffer;
  token: string;
}

const INFO = Buffer.from('credgate one-time link v1');

/**
 * HKDF-SHA256 with the configured key as salt and the token as input keying material: the result
 * is HMAC(key, token) expanded, so neither the store plus the key, nor the store plus a token
 * without the key, yields the per-link key.
 */
function linkKey({ key, token }: BoxKeys): Buffer {
  if (key.length !== 32) throw new CredgateError('config', 'the sealing key must be 32 bytes');
  return Buffer.from(hkdfSync('sha256', Buffer.from(token, 'utf8'), key, INFO, 32));
}

/** Seals `plaintext` for one link; `aad` binds the box to its link (it is authenticated, not stored). */
export function sealSecret(plaintext: string, keys: BoxKeys, aad: string): SealedBox {
  const k = linkKey(keys);
  const iv = randomBytes(12);
  try {
    const cipher = createCipheriv('aes-256-gcm', k, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      v: 1,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  } finally {
    k.fill(0);
  }
}

/**
 * Opens a box, or returns null when anything is wrong: another key or token, another `aad`, or
 * any change to the IV, tag or ciphertext (GCM authenticates all of them).
 */
export function openSecret(box: SealedBox, keys: BoxKeys, aad: string): string | null {
  if (box?.v !== 1) return null;
  const iv = Buffer.from(box.iv, 'base64');
  const tag = Buffer.from(box.tag, 'base64');
  // A short tag would let GCM accept forgeries more easily; node accepts 4..16 bytes unless told.
  if (iv.length !== 12 || tag.length !== 16) return null;
  const k = linkKey(keys);
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  } finally {
    k.fill(0);
  }
}
