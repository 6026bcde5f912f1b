import { Command } from 'commander';
import { loadConfig } from '../config/load-config';
import { openConfiguredStore } from '../store/open-store';
import { DeliveryLog, formatDeliveries, type DeliveryStatus } from '../pipeline/delivery-log';
import { parseDuration } from '../policy/parse-duration';
import { CredgateError } from '../util/errors';
import { parseTime } from './audit-commands';
import { type Clock, systemClock } from '../util/clock';

const STATUSES: DeliveryStatus[] = ['received', 'processed', 'ignored', 'waiting', 'failed'];

/** Opens the delivery log the service writes, with the service's own configuration. */
export async function withDeliveryLog<T>(work: (log: DeliveryLog) => Promise<T>, now: () => Date): Promise<T> {
  const config = loadConfig(process.env);
  const store = await openConfiguredStore(config.store);
  try {
    return await work(new DeliveryLog(store.kv.delivery_log, parseDuration(config.deliveries.retention) ?? 0, now));
  } finally {
    await store.close();
  }
}

/** `credgate deliveries [--ticket KEY] [--since 24h] [--status waiting] [--json]`. */
export function deliveriesCommand(now: Clock = systemClock): Command {
  return new Command('deliveries')
    .description(
      'every webhook delivery answered 202 and what became of it: processed, ignored (why), waiting for a retry, failed',
    )
    .option('--ticket <key>', 'only deliveries about this ticket (PROJ-12, owner/repo#3)')
    .option('--since <time>', 'from this time: an ISO date or a duration ago (24h, 7d)')
    .option('--status <status>', `only this outcome: ${STATUSES.join(', ')}`)
    .option('--json', 'the records as a JSON array')
    .action(async (opts: { ticket?: string; since?: string; status?: string; json?: boolean }) => {
      if (opts.status !== undefined && !STATUSES.includes(opts.status as DeliveryStatus))
        throw new CredgateError('bad-input', `--status must be one of ${STATUSES.join(', ')}, not "${opts.status}"`);
      const since = opts.since === undefined ? undefined : parseTime('--since', opts.since, now());
      const records = await withDeliveryLog(
        (log) => log.list({ ticket: opts.ticket, since, status: opts.status as DeliveryStatus | undefined }),
        now,
      );
      process.stdout.write(`${opts.json ? JSON.stringify(records, null, 2) : formatDeliveries(records)}\n`);
    });
}
