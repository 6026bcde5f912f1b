import { constants, createPrivateKey, createPublicKey, privateDecrypt, type KeyObject } from 'node:crypto';
import { CredgateError } from '../../util/errors';

/**
 * The rotate script generates the password on the device, sets it, and seals it to credgate's RSA
 * public key (RSA-OAEP with SHA-1, which both .NET Framework and .NET offer through RSA.Create()) before
 * writing it to a device custom field: NinjaOne stores and shows only ciphertext.
 */
export interface SealingKey {
  /** The public key as the script takes it: base64 modulus and exponent (RSAParameters). */
  modulus: string;
  exponent: string;
  unseal(sealedBase64: string): string;
}

export function sealingKeyFrom(pem: string, where: string): SealingKey {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new CredgateError('config', `${where}: not an RSA private key in PEM`);
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    throw new CredgateError('config', `${where}: expected an RSA key of at least 2048 bits`);
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as { n: string; e: string };
  const b64 = (s: string) => Buffer.from(s, 'base64url').toString('base64');
  return {
    modulus: b64(jwk.n),
    exponent: b64(jwk.e),
    unseal(sealedBase64) {
      try {
        return privateDecrypt(
          { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
          Buffer.from(sealedBase64, 'base64'),
        ).toString('utf8');
      } catch {
        throw new CredgateError(
          'permanent',
          'the sealed password from the device could not be opened with the sealing key',
        );
      }
    },
  };
}
