import { CredgateError } from '../util/errors';
import type { AccessContext } from './types';
import type { AccessTarget } from '../domain/access-target';

/**
 * Templated values for the command and http providers: a program's arguments, a URL, a header, a
 * string leaf of a JSON body. `{{name}}` placeholders come from one fixed list; each is replaced
 * in a single pass by a value's text, so a value that itself looks like `{{account}}` stays as it
 * is. Where the text lands (one argv element, one JSON string, one URL segment) is decided by the
 * caller, never by parsing the result again, which is what keeps requester text from injecting.
 */
export const PLACEHOLDERS = [
  'requestId',
  'ticket',
  'account',
  'systems',
  'grantee',
  'expiresAt',
  'expiresAtUnix',
  'reason',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export type ProviderOperation = 'grant' | 'revoke' | 'rotate' | 'inspect' | 'disable';

/** Reviews inspect and disable an account with no request behind it: only these are known then. */
const KNOWN: Record<ProviderOperation, readonly Placeholder[]> = {
  grant: PLACEHOLDERS,
  revoke: PLACEHOLDERS,
  rotate: PLACEHOLDERS,
  inspect: ['account', 'grantee'],
  disable: ['account', 'grantee', 'reason'],
};

/** The values one call renders its templates with. */
export interface PlaceholderValues {
  known: Partial<Record<Placeholder, string>>;
  /** The policy binding's `target.settings`, read by `{{setting.<name>}}`. */
  settings: Record<string, string>;
  /** Names the binding when a setting is missing. */
  binding: string;
}

type Part = { text: string } | { placeholder: Placeholder } | { setting: string };

export interface ValueTemplate {
  /** Every `{{setting.<name>}}` the template reads. */
  readonly settings: readonly string[];
  /** Renders with `encode` applied to each substituted value (not to the literal text). */
  render(values: PlaceholderValues, encode?: (value: string) => string): string;
}

const SETTING = /^setting\.([A-Za-z0-9_-]+)$/;

const describe = (op: ProviderOperation) => [...KNOWN[op].map((p) => `{{${p}}}`), '{{setting.<name>}}'].join(', ');

/**
 * Compiles one template for one operation; throws an Error naming the bad placeholder, so an
 * unknown or misplaced name fails when the configuration is read, not on the first request.
 * A `{{` that does not open a known placeholder is an error too, never literal text.
 */
export function compileValueTemplate(text: string, operation: ProviderOperation): ValueTemplate {
  const parts: Part[] = [];
  const settings: string[] = [];
  let rest = text;
  while (rest.length) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new CredgateError('config', `"{{" opens no placeholder (known: ${describe(operation)})`);
    const name = rest.slice(open + 2, close).trim();
    const setting = SETTING.exec(name);
    if (setting) {
      parts.push({ setting: setting[1] });
      settings.push(setting[1]);
    } else if ((KNOWN[operation] as readonly string[]).includes(name)) {
      parts.push({ placeholder: name as Placeholder });
    } else if ((PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new CredgateError(
        'config',
        `{{${name}}} is not known when ${operation === 'inspect' ? 'inspecting' : 'disabling'} an account (known: ${describe(operation)})`,
      );
    } else {
      throw new CredgateError('config', `{{${name}}} is not a placeholder (known: ${describe(operation)})`);
    }
    rest = rest.slice(close + 2);
  }
  return {
    settings,
    render(values, encode = (v) => v) {
      return parts
        .map((part) => {
          if ('text' in part) return part.text;
          if ('placeholder' in part) return encode(values.known[part.placeholder] ?? '');
          const value = values.settings[part.setting];
          if (value === undefined) {
            throw new CredgateError(
              'config',
              `policy binding "${values.binding}" has no setting "${part.setting}" (used as {{setting.${part.setting}}})`,
            );
          }
          return encode(value);
        })
        .join('');
    },
  };
}

/** The problem with a template, or null: for zod refinements, which want a message. */
export function templateProblem(text: string, operation: ProviderOperation): string | null {
  try {
    compileValueTemplate(text, operation);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Values for grant, revoke and rotate. `grantee` is the requester's email, or the requested
 * account when the ticketing system gave no email; `reason` is the revocation's reason, or the
 * requester's justification on grant. A grant with no end renders `expiresAt` as "".
 */
export function requestValues(ctx: AccessContext & { reason?: string }): PlaceholderValues {
  const expiresMs = ctx.expiresAt ? Date.parse(ctx.expiresAt) : NaN;
  return {
    known: {
      requestId: ctx.requestId,
      ticket: ctx.ticket.key,
      account: ctx.facts.account,
      systems: ctx.facts.systems.join(','),
      grantee: ctx.requester?.email || ctx.facts.account,
      expiresAt: Number.isNaN(expiresMs) ? '' : new Date(expiresMs).toISOString(),
      expiresAtUnix: Number.isNaN(expiresMs) ? '' : String(Math.floor(expiresMs / 1000)),
      reason: ctx.reason ?? ctx.facts.justification,
    },
    settings: ctx.target.settings,
    binding: ctx.target.binding,
  };
}

/** Values for inspect and disable, which know only the account (and disable's reason). */
export function accountValues(target: AccessTarget, account: string, reason?: string): PlaceholderValues {
  return {
    known: { account, grantee: account, ...(reason !== undefined ? { reason } : {}) },
    settings: target.settings,
    binding: target.binding,
  };
}
