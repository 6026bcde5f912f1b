/**
 * Return a deep copy of `view` in which every string leaf has been passed
 * through `escape`, so that template text stays trusted and view data never is.
 *
 * - strings → `escape(s)`; Dates → `escape(date.toISOString())`
 *   (an invalid Date throws rather than rendering "Invalid Date");
 * - numbers, booleans, bigints, null and undefined pass through
 *   (their string forms contain no markup);
 * - arrays and objects are copied recursively (own enumerable keys; keys are
 *   kept as-is so templates can look them up — `{{#each}}` escapes `@key`);
 * - functions and symbols throw: Handlebars would call a function and insert
 *   its unescaped result; Maps/Sets and cycles throw too.
 *
 * @param view - untrusted view data
 * @param escape - markup escaper for string leaves
 */
export function escapeView<T>(view: T, escape: (text: string) => string): T {
  return walk(view, escape, '', new Set()) as T;
}

function walk(value: unknown, escape: (text: string) => string, at: string, stack: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return escape(value);
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return value;
    case 'function':
    case 'symbol':
      throw new TypeError(`view value at "${at || '(root)'}" is a ${typeof value}; only data may be rendered`);
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Date) {
    if (Number.isNaN(obj.getTime())) throw new TypeError(`view value at "${at}" is an invalid Date`);
    return escape(obj.toISOString());
  }
  // Handlebars iterates these itself (raw); copying them as `{}` would drop data.
  if (obj instanceof Map || obj instanceof Set)
    throw new TypeError(`view value at "${at}" is a Map/Set; use arrays or plain objects`);
  if (stack.has(obj)) throw new TypeError(`view value at "${at}" is circular`);
  stack.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v, i) => walk(v, escape, `${at}[${i}]`, stack));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = walk(v, escape, at ? `${at}.${k}` : k, stack);
    return out;
  } finally {
    stack.delete(obj);
  }
}
