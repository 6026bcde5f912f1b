/**
 * A connector's settings from its `<ID>_*` environment variables: `map` names, per config key, the
 * variable that sets it. Empty values are absent. (`NAME_FILE=/path` is resolved into NAME by the
 * config loader before this runs, so secrets mounted as files arrive the same way.)
 */
export function envSettings(
  env: Record<string, string | undefined>,
  map: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(map)) {
    const value = env[name];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}
