import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { AuditRecord } from './audit-log';

export type ExportFormat = 'jsonl' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv'];

export interface ExportOptions {
  format: ExportFormat;
  /** Records at or after this time. */
  since?: Date;
  /** Records before this time (half-open, so consecutive exports never overlap). */
  until?: Date;
}

/** The CSV columns, in order; the header never changes between exports. */
export const CSV_COLUMNS = [
  'seq',
  'at',
  'action',
  'outcome',
  'actor',
  'connector',
  'ticket',
  'requestId',
  'rules',
  'detail',
  'hash',
  'prevHash',
] as const;

/**
 * Writes records in chain order as JSON Lines or CSV, one at a time with backpressure, so a log of
 * any size is exported in constant memory. Returns how many records were written.
 */
export async function exportAudit(
  records: AsyncIterable<AuditRecord>,
  out: Writable,
  options: ExportOptions,
): Promise<number> {
  const since = options.since?.getTime() ?? -Infinity;
  const until = options.until?.getTime() ?? Infinity;
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  if (options.format === 'csv') await write(CSV_COLUMNS.join(',') + '\r\n');
  let count = 0;
  for await (const record of records) {
    const at = Date.parse(record.at);
    // Without a time filter every record goes out, even one whose time cannot be read.
    if ((options.since || options.until) && !(at >= since && at < until)) continue;
    await write(options.format === 'csv' ? csvRow(record) : JSON.stringify(record) + '\n');
    count++;
  }
  return count;
}

export function csvRow(r: AuditRecord): string {
  const values = [
    String(r.seq),
    r.at,
    r.action,
    r.outcome,
    r.actor ?? '',
    r.ticket?.connector ?? '',
    r.ticket?.key ?? '',
    r.requestId ?? '',
    r.rules.join(';'),
    r.detail === undefined ? '' : JSON.stringify(r.detail),
    r.hash,
    r.prevHash,
  ];
  return values.map(csvCell).join(',') + '\r\n';
}

/** Characters a spreadsheet reads as the start of a formula (ASCII and full-width forms). */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One RFC 4180 field. Requester text reaches actors and details, so a cell a spreadsheet would run
 * as a formula is defused with a leading single quote (OWASP's CSV injection advice).
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
