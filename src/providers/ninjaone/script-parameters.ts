import { CredgateError } from '../../util/errors';

/** SAM account names: at most 20 characters, none of " / \ [ ] : ; | = , + * ? < > @ (Microsoft). */
const ACCOUNT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/;

/** A PowerShell single-quoted string: nothing inside is expanded; a quote is doubled. */
export const psQuote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * The `parameters` string NinjaOne appends to the script's command line: `-Name 'value'` pairs.
 * Values are validated and single-quoted, so requester text (the account fact) cannot add a
 * parameter or a command; nothing secret ever goes here (NinjaOne logs parameters).
 */
export function scriptParameters(values: Record<string, string | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => {
      if (/[\r\n\0]/.test(value))
        throw new CredgateError('permanent', `script parameter -${name} holds a line break or NUL`);
      return `-${name} ${psQuote(value)}`;
    })
    .join(' ');
}

/** The account a device script acts on, from the request's facts; refused unless it is a plain SAM name. */
export function deviceAccount(account: string | undefined): string {
  const a = (account ?? '').trim();
  if (!ACCOUNT.test(a))
    throw new CredgateError(
      'permanent',
      `"${a.slice(0, 40)}" is not an account name a device script accepts (letters, digits, . _ -, at most 20)`,
    );
  return a;
}
