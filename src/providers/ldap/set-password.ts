import { CredgateError } from '../../util/errors';
import type { Flavor } from './account-controls';
import type { Directory } from './directory';
import { toUnicodePwd } from './encodings';

/** AD accepts a new password only over an encrypted connection: refuse before touching anything. */
export function assertPasswordChannel(flavor: Flavor, encrypted: boolean, provider: string): void {
  if (flavor === 'active-directory' && !encrypted) {
    throw new CredgateError(
      'config',
      `ldap provider ${provider}: Active Directory takes passwords only over ldaps:// or with tls.startTLS`,
      { code: 'ldap-needs-tls' },
    );
  }
}

/**
 * Sets `password` on the entry as an administrator would (no old password). OpenLDAP: the Password
 * Modify extended operation, so the server hashes it and applies its password policy. AD:
 * unicodePwd (see assertPasswordChannel). Returns the method used, for the audit detail.
 */
export async function setPassword(dir: Directory, flavor: Flavor, dn: string, password: string): Promise<string> {
  const action = `setting a new password on ${dn}`;
  if (flavor === 'active-directory') {
    await dir.modify(dn, [{ operation: 'replace', type: 'unicodePwd', values: [toUnicodePwd(password)] }], action);
    return 'unicodePwd';
  }
  await dir.passwordModify(dn, password, action);
  return 'password-modify';
}
