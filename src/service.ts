import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { Config } from './config/load-config';
import { ms } from './config/load-config';
import type { Connector } from '../connectors/types';
import { CONNECTORS } from '../connectors';
import type { Policy } from './policy/policy';
import { loadPolicy } from './policy/policy';
import { openConfiguredStore, type Store } from './store/open-store';
import { createCommentRenderer, type CommentMarkup, type CommentRenderer } from './render/comment-renderer';
import { createAuditLog, type AuditLog } from './audit/audit-log';
import { type AuditShipper, createAuditShipper, createAuditSinks } from './audit/sinks';
import { createBuiltinProvider } from './providers/builtin-provider';
import type { AccessProvider } from './providers/types';
import { Scheduler } from './scheduler/scheduler';
import { EffectRunner } from './effects/effect-runner';
import { OwedSignal } from './effects/owed-signal';
import type { EffectTargets } from './effects/perform-effect';
import type { CredentialRequest } from './domain/request';
import { Inbox } from './pipeline/inbox';
import { TicketProcessor } from './pipeline/ticket-processor';
import { DeliveryWorker } from './pipeline/delivery-worker';
import { createApp } from './server/create-app';
import type { Logger } from './util/logger';
import { registerSecret, scrubberOf } from './util/logger';
import { createMetrics } from './observability/metrics';
import { metricsRouter } from './observability/metrics-router';
import { recordConfigLoaded } from './audit/system-events';
import { backoffMs } from './effects/backoff';
import { Leases } from './store/leases';
import { Reconciler } from './pipeline/reconciler';
import { AccessLedger } from './store/access-ledger';
import { createProviders } from './providers/registry';
import { createHandoff, resolveHandoffKey } from './handoff';
import { LinkSignIn } from './handoff/sign-in';
import { createOidcSignIn } from './identity/oidc-sign-in';
import { sharedSecretSealer } from './handoff/shared-secret-sealer';
import { deskRouter } from './desk';
import { createReviewJob, type ReviewJob, type ReviewJobDeps } from './review';
import { CredgateError } from './util/errors';
import { TEMPLATES_ROOT } from './templates-root';
import { readinessRouter } from './doctor/readiness-router';
import { setupChecks } from './doctor/setup-checks';
import { DeliveryLog } from './pipeline/delivery-log';
import { systemClock } from './util/clock';
import { describeProblems, policyConfigProblems } from './policy/config-checks';

/** Templates every connector's markup must provide; a missing one fails the start. */
export const REQUIRED_TEMPLATES = [
  'request-received',
  'missing-facts',
  'approval-recorded',
  'transition-refused',
  'access-granted',
  'expiry-reminder',
  'access-revoked',
  'request-declined',
  'request-cancelled',
  'request-expired',
  'changed-after-grant',
  'action-failed',
  'command-reply',
  'request-status',
  'extension-requested',
  'access-extended',
  'extension-declined',
  'revocation-failed',
  'grant-failed',
  'secret-link',
  'secret-revealed',
  'secret-link-refused',
  'break-glass-granted',
  'break-glass-confirmed',
  'approval-reminder',
  'approval-escalated',
  'approval-delegated',
];

export const BUILTIN_TEMPLATES = TEMPLATES_ROOT;

export interface ServiceOptions {
  config: Config;
  log: Logger;
  policy?: Policy;
  clock?: () => Date;
  /** Replace connectors (tests may inject one); default: every configured connector. */
  connectors?: Connector[];
  /** The provider for requests no policy binding matches; default: the builtin ledger. */
  provider?: AccessProvider;
  /** Providers policy bindings name, besides those built from `providers` in the configuration. */
  providers?: AccessProvider[];
  /** Builds the review job from the service's parts; default createReviewJob (tests give their own provider). */
  review?: (deps: ReviewJobDeps) => ReviewJob;
}

export interface Service {
  app: Express;
  store: Store;
  audit: AuditLog;
  scheduler: Scheduler;
  runner: EffectRunner;
  processor: TicketProcessor;
  worker: DeliveryWorker;
  /** What became of every delivery answered 202 (`credgate deliveries`, the desk). */
  deliveryLog: DeliveryLog;
  reconciler: Reconciler;
  connectors: Map<string, Connector>;
  /** Periodic access reviews (policy `review:`): the cron job, `runReview`, the report pages. */
  review: ReviewJob;
  /** Streams every audit record to the configured sinks (`audit.sinks`). */
  auditShipper: AuditShipper;
  /** Starts listening, restores jobs and sweeps what a previous run left; resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  /** Resolves when no delivery or effect is in progress (tests, shutdown). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** The composition root: wires config, store, policy, connectors and the pipeline together. */
export async function createService(options: ServiceOptions): Promise<Service> {
  const { config, log } = options;
  const clock = options.clock ?? systemClock;
  const policy = options.policy ?? loadPolicy(config.policy.path);

  const connectors = new Map<string, Connector>();
  for (const c of options.connectors ?? configuredConnectors(config, log, clock)) connectors.set(c.id, c);

  const templateDirs = [config.templates.dir, BUILTIN_TEMPLATES].filter((d): d is string => Boolean(d));
  const renderers = new Map<CommentMarkup, CommentRenderer>();
  for (const c of connectors.values()) {
    if (!renderers.has(c.markup))
      renderers.set(c.markup, createCommentRenderer({ markup: c.markup, templateDirs, required: REQUIRED_TEMPLATES }));
  }

  const store = await openConfiguredStore(config.store);
  const audit = createAuditLog(store.engine, config.audit.hmacKey, { scrub: scrubberOf(log)?.scrub, clock });
  const metrics = createMetrics({ requests: store.requests, clock });
  audit.observe((record) => metrics.observeAudit(record));
  const leases = new Leases(store.engine, ms(config.scheduler.leaseTtl));
  const auditShipper = createAuditShipper({
    audit,
    engine: store.engine,
    leases,
    sinks: createAuditSinks(config.audit.sinks, { clock, log, registerSecret: (value) => registerSecret(log, value) }),
    log,
    baseDelayMs: ms(config.effects.baseDelay),
    maxDelayMs: ms(config.effects.maxDelay),
    pollMs: ms(config.scheduler.sweepInterval),
  });
  audit.observe(() => auditShipper.nudge());
  if (!config.audit.hmacKey)
    log.warn(
      'CREDGATE_AUDIT_KEY is not set: the audit chain detects edits, but not by someone who can also rewrite the store',
    );
  const provider = options.provider ?? createBuiltinProvider(store.kv.grants, clock);
  const providers = new Map<string, AccessProvider>([[provider.id, provider]]);
  const fromConfig = createProviders(config.providers ?? {}, {
    log,
    clock,
    registerSecret: (value) => registerSecret(log, value),
  });
  for (const p of [...fromConfig, ...(options.providers ?? [])]) providers.set(p.id, p);
  // The same check `credgate policy check` makes: a binding naming a missing provider stops the start.
  const bindingProblems = policyConfigProblems(policy.document, [...providers.keys()]);
  if (bindingProblems.length)
    throw new CredgateError(
      'config',
      describeProblems(options.policy ? 'policy' : `policy file ${config.policy.path}`, bindingProblems),
    );
  const providerFor = (name: string | null): AccessProvider => {
    const found = name === null ? provider : providers.get(name);
    if (!found) throw new CredgateError('config', `policy names provider "${name}", which is not configured`);
    return found;
  };
  const ledger = new AccessLedger(store.engine, leases);
  // Known once the server listens, unless configured.
  let listeningUrl = '';
  const publicUrl = () => config.server.publicUrl ?? listeningUrl;

  const review = (options.review ?? createReviewJob)({
    store,
    audit,
    connectors,
    policy: () => policy,
    providerFor,
    log,
    clock,
    publicUrl: () => publicUrl() || undefined,
    templateDirs,
    leases,
    registerSecret: (value) => registerSecret(log, value),
  });

  // Built in the order events flow: the processor decides and commits, then signals what is owed;
  // the scheduler and one-time links hand it their events; the runner drains what it signals.
  const owed = new OwedSignal();
  const processor = new TicketProcessor({
    requests: store.requests,
    owing: store.kv.owing,
    connectors,
    policy: () => policy,
    afterCommit: owed.notify,
    log,
    clock,
    // Review tickets are no credential requests: their deliveries go to the review job.
    reviewTickets: review,
    managersOf: managerDirectory(config.approvers.managerDirectory, providers),
  });
  const scheduler = new Scheduler({
    jobs: store.kv.jobs,
    onDue: (job) => processor.handleTimer(job),
    log,
    clock,
    horizonMs: ms(config.scheduler.horizon),
  });

  // One-time links: the key comes from configuration or a key file, never from the store.
  const handoffKey = resolveHandoffKey(config.handoff);
  if (handoffKey && !config.server.publicUrl)
    log.warn(
      'server.publicUrl (CREDGATE_PUBLIC_URL) is not set: one-time links will point at the address credgate listens on',
    );
  // Links bound to the requester's sign-in, when an OpenID provider is configured.
  const oidcConfig = config.oidc ?? null;
  const linkSignIn = oidcConfig
    ? new LinkSignIn(
        store,
        createOidcSignIn(oidcConfig),
        oidcConfig,
        clock,
        () => publicUrl().startsWith('https://'),
        config.handoff.path,
      )
    : null;
  const bindTo = (input: { requester?: { id: string; email?: string } | null; categoryId?: string }) => {
    if (!oidcConfig) return null;
    const category = policy.document.categories.find((c) => c.id === input.categoryId);
    if ((category?.oneTimeLink ?? 'signed-in') === 'unbound') return null;
    const value = oidcConfig.requester.field === 'email' ? input.requester?.email?.toLowerCase() : input.requester?.id;
    if (!value)
      throw new CredgateError(
        'permanent',
        `the one-time link must be bound to the requester's sign-in, but the ticket gives no requester ${oidcConfig.requester.field}; set oidc.requester.field to "id" with a claim carrying the ticketing account id, or oneTimeLink: unbound on the category`,
      );
    return value;
  };
  const handoff = createHandoff({
    store,
    key: handoffKey,
    signIn: linkSignIn,
    bindTo,
    // A refused sign-in is an engine event too: decide audits it and comments it on the ticket.
    onRefused: (link, attempt) =>
      processor.handleEvent(link.requestId, {
        type: 'link-refused',
        linkId: link.id,
        label: link.label,
        at: attempt.at,
        ip: attempt.ip,
        userAgent: attempt.userAgent,
        identity: attempt.identity,
      }),
    clock,
    publicUrl,
    ttlMs: ms(config.handoff.ttl),
    path: config.handoff.path,
    log,
    // The reveal is an engine event: decide audits it and comments it on the ticket.
    onRevealed: (link, viewer) =>
      processor.handleEvent(link.requestId, {
        type: 'link-revealed',
        linkId: link.id,
        label: link.label,
        at: viewer.at,
        ip: viewer.ip,
        userAgent: viewer.userAgent,
        identity: viewer.identity ?? null,
      }),
  });
  const sealer = handoffKey ? sharedSecretSealer(handoffKey) : null;

  const effectTargets = (request: CredentialRequest): EffectTargets => {
    const connector = connectors.get(request.ticket.connector);
    if (!connector) throw new CredgateError('config', `no connector "${request.ticket.connector}" is configured`);
    return {
      connector,
      renderer: renderers.get(connector.markup) as CommentRenderer,
      scheduler,
      audit,
      providerFor,
      ledger,
      handoff,
      sealer,
      grantDetails: store.kv.grant_details,
      registerSecret: (value) => registerSecret(log, value),
      clock,
    };
  };
  const runner = new EffectRunner(
    { requests: store.requests, owing: store.kv.owing, leases, targetsFor: effectTargets, log, clock, owed },
    {
      concurrency: config.effects.concurrency,
      maxAttempts: config.effects.maxAttempts,
      baseDelayMs: ms(config.effects.baseDelay),
      maxDelayMs: ms(config.effects.maxDelay),
      policy: () => policy,
      observer: metrics.effects,
    },
  );

  const readiness = startConnectors(connectors, log);
  const inbox = new Inbox(store.engine);
  const deliveryLog = new DeliveryLog(
    store.kv.delivery_log,
    ms(config.deliveries.retention),
    clock,
    (connector, status) => metrics.countDeliveryStatus(connector, status),
  );
  const worker = new DeliveryWorker({
    inbox,
    processor,
    leases,
    ready: (id) => readiness.get(id) ?? Promise.resolve(),
    log,
    retry: { baseMs: ms(config.effects.baseDelay), maxMs: ms(config.effects.maxDelay) },
    maxAttempts: config.deliveries.maxAttempts,
    clock,
    concurrency: config.deliveries.concurrency,
    queueLimit: config.deliveries.queueLimit,
  });
  worker.deliveryLog = deliveryLog;

  const app = createApp({
    connectors,
    knownIds: CONNECTORS.map((c) => c.id),
    inbox,
    onAccepted: (key) => void worker.process(key),
    log,
    bodyLimitBytes: config.server.bodyLimitBytes,
    publicUrl: config.server.publicUrl,
    clock,
    health: async () => ({
      connectors: [...connectors.keys()],
      store: store.engine.name,
      scheduledJobs: scheduler.size,
    }),
    onDelivery: (connector, outcome) => metrics.countDelivery(connector, outcome),
    deliveryLog,
    routers: [
      readinessRouter(
        () =>
          setupChecks({ config, policy, store, connectors: connectors.values(), providers: providers.values(), clock }),
        // Short: probes arriving together share one round of calls, and recovery shows within seconds.
        { now: () => clock().getTime(), cacheMs: 2_000 },
      ),
      metricsRouter(metrics, config.metrics.token),
      handoff.router(),
      review.router,
      deskRouter({
        store,
        audit,
        clock,
        config: config.desk,
        log,
        publicUrl: config.server.publicUrl,
        oidc: config.oidc ? createOidcSignIn(config.oidc, [config.desk.sso?.groupsClaim ?? 'groups']) : null,
      }),
    ],
  });
  await recordConfigLoaded(
    audit,
    {
      configSource: config.source,
      policy,
      policyFile: options.policy ? undefined : config.policy.path,
      connectors: [...connectors.keys()],
      store: store.engine.name,
      auditKeyed: Boolean(config.audit.hmacKey),
    },
    clock(),
  );

  const reconciler = new Reconciler({ requests: store.requests, connectors, processor, leases, log });
  let server: Server | null = null;
  const timers: NodeJS.Timeout[] = [];
  const every = (intervalMs: number, what: string, fn: () => Promise<unknown>) => {
    const t = setInterval(
      () => void fn().catch((err) => log.error({ err: (err as Error).message }, `${what} failed`)),
      intervalMs,
    );
    t.unref();
    timers.push(t);
  };
  /** Work a crash, an outage or another replica left: queued deliveries, owed effects, new timers. */
  const sweep = async () => ({
    jobs: await scheduler.restore(),
    pendingDeliveries: await worker.sweep(),
    requestsOwingEffects: await runner.sweep(),
    expiredLinksPurged: await handoff.purgeExpired(),
  });

  return {
    app,
    store,
    audit,
    scheduler,
    runner,
    processor,
    worker,
    deliveryLog,
    reconciler,
    connectors,
    review,
    auditShipper,
    async listen(port = config.server.port, host = config.server.host) {
      // Not app.listen: express 5 hands a listen error to the callback, so a port in use looked
      // like a successful start and the process then served nothing.
      server = await new Promise<Server>((ok, fail) => {
        // The request timeout is checked every connectionsCheckingInterval (30 s by default), so
        // a slow body was cut at up to twice the configured bound; check every second instead.
        const requestTimeout = ms(config.server.requestTimeout);
        const s = createServer(
          { requestTimeout, headersTimeout: Math.min(requestTimeout, 10_000), connectionsCheckingInterval: 1_000 },
          app,
        );
        s.once('error', (err: NodeJS.ErrnoException) => fail(listenError(err, port, host)));
        s.listen(port, host, () => ok(s));
      });
      const found = await sweep();
      review.start();
      auditShipper.start();
      every(ms(config.scheduler.sweepInterval), 'sweep', sweep);
      const reconcileMs = ms(config.reconcile.interval);
      every(reconcileMs, 'reconcile', () => reconciler.run(reconcileMs));
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      listeningUrl = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`;
      log.info({ port: bound, store: store.engine.name, owner: leases.owner, ...found }, 'credgate listening');
      return bound;
    },
    async idle() {
      for (let i = 0; i < 3; i++) {
        await worker.idle();
        await runner.idle();
      }
    },
    async stop() {
      review.stop();
      for (const t of timers) clearInterval(t);
      const closing = server ? new Promise<void>((ok) => server!.close(() => ok())) : Promise.resolve();
      server?.closeIdleConnections?.();
      scheduler.stop();
      // Let in-flight work finish (it is durable either way), but never hang a shutdown.
      await Promise.race([
        Promise.all([worker.idle(), runner.idle()]),
        new Promise((ok) => setTimeout(ok, 5_000).unref()),
      ]);
      worker.stop();
      runner.stop();
      // After the work that appends records: what it wrote goes out now or from the cursor next start.
      await auditShipper.stop();
      await Promise.race([closing, new Promise((ok) => setTimeout(ok, 2_000).unref())]);
      await store.close();
    },
  };
}

/** A listen failure as a message the operator can act on (the port is the usual culprit). */
function listenError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  if (err.code === 'EADDRINUSE')
    return new CredgateError(
      'config',
      `port ${port} on ${host} is already in use: stop the other process or set server.port (PORT) to a free port`,
    );
  if (err.code === 'EACCES')
    return new CredgateError(
      'config',
      `port ${port} on ${host} needs privileges this process lacks: set server.port (PORT) to 1024 or above`,
    );
  if (err.code === 'EADDRNOTAVAIL')
    return new CredgateError('config', `server.host ${host} is not an address of this machine`);
  return err;
}

function configuredConnectors(config: Config, log: Logger, clock: () => Date): Connector[] {
  const out: Connector[] = [];
  for (const def of CONNECTORS) {
    const section = config[def.id] as never;
    if (def.isConfigured(section)) out.push(def.create(section, { log, now: () => clock().getTime() }));
    else log.info(`connector ${def.id} is off: ${def.enableHint}`);
  }
  return out;
}

/** Starts each connector, retrying in the background until its system answers. */
function startConnectors(connectors: Map<string, Connector>, log: Logger): Map<string, Promise<void>> {
  const ready = new Map<string, Promise<void>>();
  for (const c of connectors.values()) {
    ready.set(
      c.id,
      (async () => {
        for (let attempt = 1; c.start; attempt++) {
          try {
            return await c.start();
          } catch (err) {
            const delay = backoffMs(attempt, 1_000, 60_000);
            log.warn(
              { connector: c.id, attempt, delayMs: delay, err: (err as Error).message },
              'connector not ready; retrying',
            );
            await new Promise((ok) => setTimeout(ok, delay).unref());
          }
        }
      })(),
    );
  }
  return ready;
}

/** The ldap provider `approvers.managerDirectory` names, which finds requesters' managers. */
function managerDirectory(
  name: string | undefined,
  providers: Map<string, AccessProvider>,
): ((person: { id: string; email?: string }) => Promise<string[]>) | undefined {
  if (!name) return undefined;
  const p = providers.get(name);
  if (!p?.managersOf)
    throw new CredgateError(
      'config',
      `approvers.managerDirectory: "${name}" is not a configured ldap provider; configured: ${[...providers.keys()].join(', ')}`,
    );
  return (person) => p.managersOf!(person);
}
