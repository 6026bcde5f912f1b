/**
 * Binds a NinjaOne `parameters` string the way PowerShell binds named parameters on a script's
 * command line, for the forms credgate sends: `-Name 'single-quoted'` (a doubled quote is one quote),
 * or `-Name bare`. Anything else (a second command, an unquoted separator) is refused: the fake's
 * scripts then fail as a real one would fail to bind.
 */
export function bindParameters(parameters: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = parameters.trim();
  while (rest.length) {
    const m = /^-([A-Za-z][A-Za-z0-9]*)\s+(?:'((?:[^']|'')*)'|([^\s'";|&]+))(?:\s+|$)/.exec(rest);
    if (!m) throw new Error(`parameters do not bind: ${rest.slice(0, 40)}`);
    out[m[1]] = m[2] !== undefined ? m[2].replace(/''/g, "'") : m[3];
    rest = rest.slice(m[0].length);
  }
  return out;
}
