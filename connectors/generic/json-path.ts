import { JSONPath } from 'jsonpath-plus';

/**
 * JSON paths over vendor JSON, through jsonpath-plus (already installed with json-rules-engine).
 * Only a plain subset is accepted: `$`, `.name`, `..name`, `.*`, `[0]`, `[*]`, `['name']`. Script
 * and filter expressions (`(...)`, `?(...)`) are refused when the configuration is read and
 * disabled when paths run (`eval: false`): a path is configuration, the JSON it reads is not.
 */
const SEGMENT = String.raw`(?:\.\.?(?:[\w$-]+|\*)|\[(?:\d+|\*|'[^'\]]*'|"[^"\]]*")\])`;
const PLAIN_PATH = new RegExp(`^\\$${SEGMENT}*$`);

/** True when `path` is in the accepted subset, e.g. `$.ticket.requester.id` or `$.notes[*].text`. */
export function isJsonPath(path: string): boolean {
  return PLAIN_PATH.test(path);
}

export const JSON_PATH_HINT =
  "expected a JSON path such as $.ticket.id, $.notes[*] or $['odd key'] (no filters or scripts)";

/** Every value `path` selects in `json` (an empty list when none). */
export function readAll(json: unknown, path: string): unknown[] {
  if (json === null || json === undefined || !isJsonPath(path)) return [];
  const found = JSONPath({ path, json: json as object, eval: false, wrap: true });
  return Array.isArray(found) ? found : [];
}

/** The first value `path` selects in `json`, or undefined. */
export function readOne(json: unknown, path: string): unknown {
  return readAll(json, path)[0];
}
