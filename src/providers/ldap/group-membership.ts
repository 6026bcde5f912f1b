import { CredgateError, isCredgateError } from '../../util/errors';
import { attributeValues, type Flavor } from './account-controls';
import type { Directory } from './directory';

/** The attribute that lists members, by the group's object class (RFC 4519; AD's group). */
const MEMBER_ATTRIBUTE: Record<string, string> = {
  groupofnames: 'member',
  groupofuniquenames: 'uniqueMember',
  group: 'member',
};

export function memberAttributeFor(objectClasses: string[]): string | null {
  for (const c of objectClasses) {
    const attribute = MEMBER_ATTRIBUTE[c.toLowerCase()];
    if (attribute) return attribute;
  }
  return null;
}

const hasCode = (err: unknown, ...codes: number[]) =>
  isCredgateError(err) && codes.some((c) => err.details.code === `ldap-${c}`);

/** Reads the group and says which attribute holds its members; a missing group is 'permanent'. */
export async function groupMemberAttribute(
  dir: Directory,
  groupDN: string,
  override: string | undefined,
  provider: string,
): Promise<string> {
  const group = await dir.read(groupDN, ['objectClass'], 'group');
  if (!group)
    throw new CredgateError('permanent', `ldap provider ${provider}: group ${groupDN} does not exist`, {
      code: 'ldap-no-group',
    });
  const attribute = override ?? memberAttributeFor(attributeValues(group, 'objectClass'));
  if (!attribute) {
    throw new CredgateError(
      'config',
      `ldap provider ${provider}: ${groupDN} is not a groupOfNames, groupOfUniqueNames or AD group; set memberAttribute in the binding`,
      { code: 'ldap-group-class' },
    );
  }
  return attribute;
}

/**
 * Adds the member; already being one is success. OpenLDAP answers attributeOrValueExists (20),
 * AD entryAlreadyExists (68).
 */
export async function addMember(
  dir: Directory,
  groupDN: string,
  attribute: string,
  memberDN: string,
): Promise<'added' | 'already-member'> {
  try {
    await dir.modify(
      groupDN,
      [{ operation: 'add', type: attribute, values: [memberDN] }],
      `adding ${memberDN} to ${groupDN}`,
    );
    return 'added';
  } catch (err) {
    if (hasCode(err, 20, 68)) return 'already-member';
    throw err;
  }
}

/**
 * Removes the member; not being one is success. OpenLDAP answers noSuchAttribute (16); AD answers
 * unwillingToPerform (53) for a non-member, which it also uses for real refusals, so that case is
 * checked against the group before it counts as done.
 */
export async function removeMember(
  dir: Directory,
  groupDN: string,
  attribute: string,
  memberDN: string,
  flavor: Flavor,
  provider: string,
): Promise<'removed' | 'not-member'> {
  const action = `removing ${memberDN} from ${groupDN}`;
  try {
    await dir.modify(groupDN, [{ operation: 'delete', type: attribute, values: [memberDN] }], action);
    return 'removed';
  } catch (err) {
    if (hasCode(err, 16)) return 'not-member';
    if (
      flavor === 'active-directory' &&
      hasCode(err, 53) &&
      !(await dir.compare(groupDN, attribute, memberDN, `checking ${memberDN} in ${groupDN}`))
    )
      return 'not-member';
    if (hasCode(err, 65)) {
      // groupOfNames and groupOfUniqueNames must keep at least one member (RFC 4519).
      throw new CredgateError(
        'permanent',
        `ldap provider ${provider}: ${action} would leave the group empty, which its object class forbids; give ${groupDN} a permanent placeholder member`,
        { code: 'ldap-65' },
      );
    }
    throw err;
  }
}
