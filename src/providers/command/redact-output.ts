import { secretForms } from '../../util/logger';

/**
 * Scrubs a program's output before it is audited or logged. Known secrets (the one just issued,
 * the configured secret environment values) go first, in every form they travel in (secretForms); then
 * the shapes scripts commonly print secrets in. The patterns are a safety net, not a licence: a
 * script should print no secret at all.
 */
export const REDACTED = '[REDACTED]';

/** Secrets this short would blank out ordinary words: they are not scrubbed (nor worth having). */
const MIN_SECRET_LENGTH = 4;

/** A key that names a secret: password, passwd, pwd, secret, token, api key, private key... */
// Bounded on both sides: unbounded runs would make a megabyte of "a.a.a..." backtrack for minutes.
const KEY = String.raw`[\w.-]{0,40}(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)[\w.-]{0,40}`;
/** A value: quoted, or up to the next blank or separator. Booleans are state, not secrets. */
const VALUE = String.raw`(?!(?:true|false|null|none)\b)(?:"[^"\n]*"|'[^'\n]*'|[^\s"',;&]+)`;

const PATTERNS: Array<[RegExp, string]> = [
  // "password": "..." in JSON output, escaped quotes included.
  [new RegExp(String.raw`("${KEY}"\s*:\s*)"(?:[^"\\\n]|\\.)*"`, 'gi'), `$1"${REDACTED}"`],
  // Authorization: Bearer ... / Basic ...
  [/(\bauthorization\s*[=:]\s*(?:bearer|basic|token|digest|negotiate|ntlm)\s+)[^\s"',;]+/gi, `$1${REDACTED}`],
  [/(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, `$1${REDACTED}`],
  // password=..., token: ..., -Password:...
  [new RegExp(String.raw`((?<![\w.-])${KEY}\s*[=:]\s*)${VALUE}`, 'gi'), `$1${REDACTED}`],
  // -Password ..., --token ..., -NewPassword '...'
  [new RegExp(String.raw`((?:^|\s)--?${KEY}\s+)${VALUE}`, 'gim'), `$1${REDACTED}`],
  // PowerShell: ConvertTo-SecureString 'p@ss' -AsPlainText -Force
  [/(ConvertTo-SecureString\s+(?:-String\s+)?)(?:"[^"\n]*"|'[^'\n]*'|[^\s"';)]+)/gi, `$1${REDACTED}`],
];

export function redactOutput(text: string, secrets: readonly string[]): string {
  const known = secrets
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .flatMap(secretForms)
    // Longest first, so a secret containing another is scrubbed whole.
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of known) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
