import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config';
import { openConfiguredStore, type Store } from '../store/open-store';
import { createAuditLog, type AuditLog } from '../audit/audit-log';
import { exportAudit, EXPORT_FORMATS, type ExportFormat } from '../audit/audit-export';
import { collectTimeline, formatTimeline } from '../audit/audit-timeline';
import { parseDuration } from '../policy/parse-duration';
import { CredgateError } from '../util/errors';
import { DeliveryLog, formatDeliveries } from '../pipeline/delivery-log';
import { type Clock, systemClock } from '../util/clock';

/**
 * `credgate audit verify | export | show`. Each opens the store and the chain key exactly as the
 * service does (configuration file < environment), so it reads the log the service writes.
 */
export function registerAuditCommands(program: Command, now: Clock = systemClock): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('verify')
    .description('check the whole hash chain; exit 1 naming the first broken entry and how it broke')
    .action(() =>
      withAuditLog(async (log) => {
        const result = await log.verify();
        if (result.ok) return print(`audit chain intact: ${result.count} entries`);
        print(`audit chain broken at entry ${result.seq} (${result.kind}): ${result.problem}`);
        process.exitCode = 1;
      }),
    );

  audit
    .command('export')
    .description('write every entry in chain order, optionally within a time range')
    .option(
      '--since <time>',
      'from this time: an ISO date (2026-11-25, 2026-11-25T10:00:00Z) or a duration ago (24h, 7d)',
    )
    .option('--until <time>', 'before this time: an ISO date or a duration ago')
    .option('--format <format>', 'jsonl (one JSON entry per line) or csv', 'jsonl')
    .option('--out <file>', 'write to this file instead of standard output')
    .action((opts: { since?: string; until?: string; format: string; out?: string }) => {
      if (!EXPORT_FORMATS.includes(opts.format as ExportFormat))
        throw new CredgateError('bad-input', `--format must be jsonl or csv, not "${opts.format}"`);
      const since = opts.since === undefined ? undefined : parseTime('--since', opts.since, now());
      const until = opts.until === undefined ? undefined : parseTime('--until', opts.until, now());
      if (since && until && since >= until)
        throw new CredgateError(
          'bad-input',
          `--since (${since.toISOString()}) must be before --until (${until.toISOString()})`,
        );
      return withAuditLog(async (log) => {
        // Owner-only: an audit trail names people and systems.
        const target: Writable = opts.out ? createWriteStream(opts.out, { mode: 0o600 }) : process.stdout;
        const count = await exportAudit(log.records(), target, { format: opts.format as ExportFormat, since, until });
        if (opts.out) {
          target.end();
          await once(target, 'finish');
          process.stderr.write(`exported ${count} audit entries to ${opts.out}\n`);
        }
      });
    });

  audit
    .command('show <ticket>')
    .description(
      'the story of one request: a ticket key (PROJ-12, owner/repo#3, INC0010001), a ticket id or a request id (cg-…)',
    )
    .option('--json', 'the entries as a JSON array, for machines')
    .action((ticket: string, opts: { json?: boolean }) =>
      withAuditLog(async (log, store) => {
        const entries = await collectTimeline(log.records(), ticket);
        // Machines keep the entries array; `credgate deliveries --ticket KEY --json` has the deliveries.
        if (opts.json) {
          if (entries.length === 0)
            throw new CredgateError('not-found', `no audit entries for ${JSON.stringify(ticket)}`);
          return print(JSON.stringify(entries, null, 2));
        }
        // People get the deliveries too: one accepted while the ticketing system was down has no
        // audit entry yet. Found by the ticket keys the entries name, so a request id finds them as well.
        const keys = new Set([ticket, ...entries.map((e) => e.ticket.key)]);
        const deliveryLog = new DeliveryLog(store.kv.delivery_log, 0, now);
        const seen = new Set<string>();
        const deliveries = [];
        for (const k of keys)
          for (const d of await deliveryLog.list({ ticket: k }))
            if (!seen.has(d.id) && seen.add(d.id)) deliveries.push(d);
        deliveries.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
        if (entries.length === 0 && deliveries.length === 0)
          throw new CredgateError('not-found', `no audit entries and no deliveries for ${JSON.stringify(ticket)}`);
        const blocks = [
          entries.length ? formatTimeline(entries) : `no audit entries for ${JSON.stringify(ticket)} yet`,
        ];
        if (deliveries.length)
          blocks.push(`deliveries (newest first):\n${formatDeliveries(deliveries).replace(/^/gm, '  ')}`);
        print(blocks.join('\n\n'));
      }),
    );
}

const print = (s: string) => void process.stdout.write(s + '\n');

async function withAuditLog(work: (log: AuditLog, store: Store) => Promise<void>): Promise<void> {
  const config = loadConfig(process.env);
  const store = await openConfiguredStore(config.store);
  try {
    await work(createAuditLog(store.engine, config.audit.hmacKey), store);
  } finally {
    await store.close();
  }
}

/** An ISO date or time, or a duration meaning that long before now. */
export function parseTime(flag: string, text: string, now: Date): Date {
  const ago = parseDuration(text);
  if (ago !== null) return new Date(now.getTime() - ago);
  const m = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text.trim());
  // Date.parse rolls 2026-02-31 over into March: check the day exists in its month first.
  const real =
    m !== null && Number(m[3]) >= 1 && Number(m[3]) <= new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
  const ms = real ? Date.parse(text.trim()) : NaN;
  if (!Number.isFinite(ms)) {
    throw new CredgateError(
      'bad-input',
      `${flag} "${text}" is neither a date (2026-11-25, 2026-11-25T10:00:00Z) nor a duration ago (24h, 7d)`,
    );
  }
  return new Date(ms);
}
