import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { compilePolicy, type Policy } from '../../src/policy/policy';
import { createLogger, type Logger } from '../../src/util/logger';
import { createReviewJob, type ReviewJob, type ReviewJobDeps } from '../../src/review';
import type { AccessProvider } from '../../src/providers/types';
import type { AuditLog } from '../../src/audit/audit-log';
import type { Store } from '../../src/store/open-store';
import { quickPolicy } from '../helpers/policy';
import { SECRETS } from '../helpers/harness';
import type { CredentialRequest } from '../../src/domain/request';

/** The tests' policy with a review section: approvers are the credential-approvers group. */
export function reviewPolicy(review: Record<string, unknown> = {}): Policy {
  return compilePolicy({
    ...quickPolicy().document,
    review: {
      project: 'REV',
      issueType: 'Task',
      connector: 'jira',
      approvers: { groups: ['credential-approvers'] },
      ...review,
    },
  });
}

/** A logger writing into `lines`, scrubbing the harness's secrets like the service's own. */
export function captureLogger(lines: string[]): Logger {
  return createLogger({
    level: 'debug',
    secrets: Object.values(SECRETS),
    destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }),
  });
}

/** Serves a router on a loopback port chosen by the OS, as createApp's `routers` would. */
export async function serve(router: express.Router): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.use(router);
  const server: Server = await new Promise((ok) => {
    const s = app.listen(0, '127.0.0.1', () => ok(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

export function reviewJob(
  deps: Partial<ReviewJobDeps> & Pick<ReviewJobDeps, 'store' | 'audit' | 'connectors' | 'log'>,
  provider: AccessProvider,
  policy = reviewPolicy(),
): ReviewJob {
  return createReviewJob({ policy: () => policy, providerFor: () => provider, sweepIntervalMs: 60_000, ...deps });
}

/** Writes requests through the store's compare-and-swap, as the engine does. */
export async function seedRequests(store: Pick<Store, 'requests'>, requests: CredentialRequest[]): Promise<void> {
  for (const r of requests)
    if (!(await store.requests.compareAndSet(r.id, 0, r))) throw new Error(`seed ${r.id} exists`);
}

/** Appends audit entries through the audit log's own API. */
export async function seedAudit(
  audit: AuditLog,
  requests: CredentialRequest[],
  entries: { requestId: string; action: string; outcome: string; at: string }[],
): Promise<void> {
  for (const [i, e] of entries.entries()) {
    const ticket = requests.find((r) => r.id === e.requestId)?.ticket ?? { connector: 'jira', id: '0', key: 'CRED-0' };
    await audit.append({ ...e, actor: null, rules: [], ticket, effectKey: `seed/${i}` });
  }
}
