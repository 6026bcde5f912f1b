import type { Express, Router } from 'express';
import { createApp } from '../../src/server/create-app';
import type { Inbox } from '../../src/pipeline/inbox';
import type { Logger } from '../../src/util/logger';

/**
 * credgate's own app (headers, 404s, error handler) with only the given routers mounted, as the
 * service mounts them: no connector, so the webhook routes answer 404 and the inbox is never used.
 */
export function routerApp(options: { routers: Router[]; log: Logger; clock: () => Date }): Express {
  return createApp({
    connectors: new Map(),
    knownIds: [],
    inbox: {} as Inbox,
    onAccepted: () => undefined,
    log: options.log,
    bodyLimitBytes: 1_048_576,
    clock: options.clock,
    health: async () => ({}),
    routers: options.routers,
  });
}
