import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditRecord } from '../audit/audit-log';
import type { CredentialRequest } from '../domain/request';
import type { Effect } from '../domain/effect';
import { isCredgateError } from '../util/errors';
import type { DeliveryOutcome } from './delivery-outcome';
import { systemClock } from '../util/clock';

/** The reads metrics need from the request store (a DocumentCollection fits). */
export interface RequestReader {
  get(id: string): Promise<CredentialRequest | null>;
  all(): AsyncGenerator<CredentialRequest>;
}

export interface MetricsSources {
  /** Read at scrape for `credgate_grants_active`, and for the category and risk of decisions. */
  requests?: RequestReader;
  clock?: () => Date;
}

/** credgate's instruments, on a registry of their own (never prom-client's global one). */
export interface Metrics {
  readonly registry: Registry;
  readonly deliveries: Counter<'connector' | 'outcome'>;
  readonly decisions: Counter<'category' | 'risk' | 'state'>;
  readonly approvals: Counter<'outcome'>;
  readonly grantsActive: Gauge;
  readonly revocationLag: Histogram;
  readonly outboundErrors: Counter<'connector' | 'kind'>;
  readonly effectRetries: Counter<'kind'>;
  /** The Content-Type of `scrape()`'s text. */
  readonly contentType: string;
  /** credgate's metrics and the process's (`credgate_process_*`, `credgate_nodejs_*`), as text. */
  scrape(): Promise<string>;
  /** Hook for the webhook route (`WebhookDeps.onDelivery`). */
  countDelivery(connector: string, outcome: DeliveryOutcome): void;
  /** Each status an accepted delivery reaches in the delivery log (processed, ignored, waiting, failed). */
  countDeliveryStatus(connector: string, status: string): void;
  /** Observer for `AuditLog.observe`: decisions and approvals, read from what the audit records. */
  observeAudit(record: AuditRecord): Promise<void>;
  /** Observer for the effect runner (`EffectRunnerOptions.observer`). */
  readonly effects: {
    performed(request: CredentialRequest, effect: Effect): void;
    failed(request: CredentialRequest, effect: Effect, err: unknown, willRetry: boolean): void;
  };
}

/** The state each audited decision leaves a request in. */
const STATE_AFTER: Record<string, string> = {
  'facts-missing': 'awaiting-info',
  'risk-assessed': 'pending-approval',
  'access-granted': 'granted',
  'request-declined': 'declined',
  'request-withdrawn': 'cancelled',
  'request-cancelled': 'cancelled',
  'request-expired': 'expired',
  'access-revoked': 'revoked',
};

/** Effects that call the ticketing system; the others call an access provider or the store. */
const TICKET_EFFECTS = new Set(['comment', 'set-status']);
const PROVIDER_EFFECTS = new Set(['grant', 'revoke', 'rotate']);

export function createMetrics(sources: MetricsSources = {}): Metrics {
  const clock = sources.clock ?? systemClock;
  const registry = new Registry();
  const registers = [registry];

  const deliveries = new Counter({
    name: 'credgate_webhook_deliveries_total',
    help: 'Webhook deliveries received, by connector and outcome (accepted, duplicate, ignored, unauthorized, bad-request, too-large, unknown-connector, error)',
    labelNames: ['connector', 'outcome'] as const,
    registers,
  });
  const deliveryStatuses = new Counter({
    name: 'credgate_delivery_outcomes_total',
    help: 'What became of deliveries answered 202, by connector and outcome (received, processed, ignored, waiting for a retry, failed for good)',
    labelNames: ['connector', 'outcome'] as const,
    registers,
  });
  const decisions = new Counter({
    name: 'credgate_decisions_total',
    help: 'Decisions that moved a request into a state, by category, risk and that state',
    labelNames: ['category', 'risk', 'state'] as const,
    registers,
  });
  const approvals = new Counter({
    name: 'credgate_approvals_total',
    help: 'Approvals given on tickets, by outcome: accepted, or refused (self-approval, not an approver, twice, wrong state)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const grantsActive = new Gauge({
    name: 'credgate_grants_active',
    help: 'Requests whose access is granted right now (read from the store at scrape)',
    registers,
    async collect() {
      if (!sources.requests) return;
      let n = 0;
      for await (const r of sources.requests.all()) if (r.state === 'granted') n++;
      this.set(n);
    },
  });
  const revocationLag = new Histogram({
    name: 'credgate_revocation_lag_seconds',
    help: "Time from a grant's expiry to its revocation actually being performed",
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers,
  });
  const outboundErrors = new Counter({
    name: 'credgate_outbound_errors_total',
    help: 'Failed attempts at an effect, by the system called (the connector id, "provider" or "store") and error kind',
    labelNames: ['connector', 'kind'] as const,
    registers,
  });
  const effectRetries = new Counter({
    name: 'credgate_effect_retries_total',
    help: 'Effects scheduled for another attempt after a failure, by effect kind',
    labelNames: ['kind'] as const,
    registers,
  });

  /** Category and risk: from the entry when it says them, else from the request it belongs to. */
  const labelsOf = async (record: AuditRecord): Promise<{ category: string; risk: string }> => {
    const detail = record.detail ?? {};
    if (record.action === 'risk-assessed' && typeof detail.category === 'string')
      return { category: detail.category, risk: record.outcome };
    const request = record.requestId ? await sources.requests?.get(record.requestId).catch(() => null) : null;
    return {
      category: request?.category.id ?? (record.action === 'facts-missing' ? record.rules[0] : undefined) ?? 'unknown',
      risk: request?.risk ?? 'unknown',
    };
  };

  return {
    registry,
    deliveries,
    decisions,
    approvals,
    grantsActive,
    revocationLag,
    outboundErrors,
    effectRetries,
    contentType: registry.contentType,
    async scrape() {
      return Registry.merge([processRegistry(), registry]).metrics();
    },
    countDelivery(connector, outcome) {
      deliveries.inc({ connector, outcome });
    },
    countDeliveryStatus(connector, outcome) {
      deliveryStatuses.inc({ connector, outcome });
    },
    async observeAudit(record) {
      if (!record.requestId) return;
      if (record.action === 'approval-accepted') approvals.inc({ outcome: 'accepted' });
      if (record.action === 'transition-refused' && record.detail?.position === 'approved')
        approvals.inc({ outcome: 'refused' });
      const state = STATE_AFTER[record.action];
      if (state) decisions.inc({ ...(await labelsOf(record)), state });
    },
    effects: {
      performed(request, effect) {
        // Only revocations at expiry have a lag; an early one (ticket closed) ends access on purpose.
        const atExpiry = effect.kind === 'revoke' && (effect.reason === 'expired' || request.endReason === 'expired');
        if (!atExpiry || !request.expiresAt) return;
        revocationLag.observe(Math.max(0, (clock().getTime() - Date.parse(request.expiresAt)) / 1000));
      },
      failed(request, effect, err, willRetry) {
        const target = TICKET_EFFECTS.has(effect.kind)
          ? request.ticket.connector
          : PROVIDER_EFFECTS.has(effect.kind)
            ? 'provider'
            : 'store';
        outboundErrors.inc({ connector: target, kind: isCredgateError(err) ? err.kind : 'unexpected' });
        if (willRetry) effectRetries.inc({ kind: effect.kind });
      },
    },
  };
}

let shared: Registry | null = null;

/**
 * Process metrics (CPU, memory, event loop lag, GC) live once per process: each collector sets up
 * observers that are never released, and several services in one process (tests) share them.
 */
function processRegistry(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, prefix: 'credgate_' });
  }
  return shared;
}
