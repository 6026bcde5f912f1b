import type { z } from 'zod';
import { CredgateError } from '../../src/util/errors';

/**
 * Checks what a vendor's API answered against the shape credgate reads, at the boundary, before
 * any mapper touches it. A mismatch (a changelog entry with `"items": null`, a status name that is
 * a number) is the same on every retry, so it is a permanent error naming the call and the field:
 * without this it surfaced as a TypeError deep in a mapper and the delivery was retried forever.
 * The message quotes no value: vendor data can hold requester text or secrets.
 */
export function readVendorData<T>(schema: z.ZodType, data: T, what: string): T {
  const parsed = schema.safeParse(data);
  // The data itself goes on, not the parse result: the schema pins only what the mappers rely on.
  if (parsed.success) return data;
  const first = parsed.error.issues[0];
  const path = first.path.length
    ? first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')
    : '(root)';
  const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
  throw new CredgateError(
    'permanent',
    `${what} answered data credgate cannot read: ${path.replace(/^\./, '')}: ${first.message}${more}`,
  );
}
