import { loadConfig } from './config/load-config';
import { createLogger } from './util/logger';
import { createService } from './service';
import { isCredgateError } from './util/errors';
import { relayTarget, startWebhookRelay } from './server/webhook-relay';

/** `npm start`: load and validate everything, then serve. Exits non-zero with a clear message. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger({ level: config.log.level, secrets: config.secrets });
  log.info({ config: config.source, store: config.store.url, policy: config.policy.path }, 'starting credgate');
  const service = await createService({ config, log });
  const port = await service.listen();
  // Local development: deliveries from a relay channel (smee.io or alike) instead of a public URL.
  const proxy = relayTarget(process.env, [...service.connectors.keys()], port);
  const relay = proxy ? startWebhookRelay({ ...proxy, log }) : undefined;

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new deliveries; in-flight work finishes or stays queued');
    const hardStop = setTimeout(() => process.exit(1), 15_000);
    hardStop.unref();
    relay?.stop();
    service.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  const message = isCredgateError(err) ? err.message : ((err as Error)?.stack ?? String(err));
  process.stderr.write(`credgate cannot start: ${message}\n`);
  process.exit(1);
});
