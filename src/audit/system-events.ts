import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AuditLog, SystemAuditEntry } from './audit-log';
import { canonical } from './audit-log';
import type { Policy } from '../policy/policy';

export interface ConfigLoaded {
  /** Where the configuration came from (`Config.source`): a file path, or "defaults and environment". */
  configSource: string;
  policy: Policy;
  /** The file the policy was read from; absent when it was given in code (tests, embedding). */
  policyFile?: string;
  /** Ids of the connectors that are on. */
  connectors: string[];
  /** Store engine name (sqlite, redis, postgres): never its URL, which may hold a password. */
  store: string;
  /** Whether the chain is keyed (CREDGATE_AUDIT_KEY): never the key. */
  auditKeyed: boolean;
}

/**
 * Records, at each start, which configuration and policy the decisions that follow were made
 * under, so an auditor can tie any decision to the exact policy file in force (its SHA-256).
 * Names and hashes only: no configuration value that could be a secret.
 */
export function recordConfigLoaded(audit: AuditLog, input: ConfigLoaded, at?: Date): Promise<SystemAuditEntry> {
  const detail: Record<string, unknown> = {
    configSource: input.configSource,
    policyVersion: input.policy.document.version,
    policyDocumentSha256: sha256(canonical(input.policy.document)),
    connectors: [...input.connectors].sort(),
    store: input.store,
    auditKeyed: input.auditKeyed,
  };
  if (input.policyFile) {
    detail.policyFile = input.policyFile;
    detail.policyFileSha256 = fileSha256(input.policyFile);
  }
  return audit.appendSystem({
    action: 'config-loaded',
    actor: null,
    outcome: 'loaded',
    rules: [],
    detail,
    at: at?.toISOString(),
  });
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

function fileSha256(path: string): string | null {
  try {
    return sha256(readFileSync(path));
  } catch {
    // The policy was loaded from it a moment ago; a file gone since is worth recording as such.
    return null;
  }
}
