/** The value at a dotted path (`data.password`, `results.0.secret`, optional leading `$.`). */
export function readField(json: unknown, path: string): unknown {
  let node = json;
  for (const key of path.replace(/^\$\./, '').split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    // Own properties only: `constructor` or `__proto__` in a path reads nothing.
    node = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
