import { openSecret, sealSecret, type SealedBox } from './secret-box';
import type { SecretSealer } from '../effects/perform-access';
import { CredgateError } from '../util/errors';

/**
 * Keeps a shared account's current password between overlapping grants (the second holder gets a
 * link to the same password instead of a rotation that would lock the first one out). Sealed with
 * the one-time link key, bound to the access it belongs to; the store alone cannot open it.
 */
export function sharedSecretSealer(key: Buffer): SecretSealer {
  const keys = (context: string) => ({ key, token: `shared-account:${context}` });
  return {
    seal: (plain, context) => JSON.stringify(sealSecret(plain, keys(context), context)),
    open(sealed, context) {
      const plain = openSecret(JSON.parse(sealed) as SealedBox, keys(context), context);
      if (plain === null)
        throw new CredgateError(
          'permanent',
          'the shared password kept for overlapping grants cannot be opened (was the one-time link key changed?)',
        );
      return plain;
    },
  };
}
