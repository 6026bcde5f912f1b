import type { Config } from '../config/load-config';
import type { Policy } from '../policy/policy';
import type { Store } from '../store/open-store';
import { redact } from '../store/open-store';
import { resolveHandoffKey } from '../handoff';
import type { SetupCheck, SetupNeeds } from './check';
import { SetupProblem } from './check';

/** The checks of credgate's own setup: keys, the store, what the policy names. */
export function coreChecks(input: {
  config: Config;
  policy: Policy;
  store: Store;
  providerIds: string[];
  clock: () => Date;
}): SetupCheck[] {
  const { config, policy, store } = input;
  const needsHandoff = policy.document.providers.some((b) => b.share === 'rotate' || b.rotateOnRevoke);
  return [
    {
      name: 'audit.key',
      async run() {
        if (!config.audit.hmacKey)
          throw new SetupProblem(
            'CREDGATE_AUDIT_KEY is not set: the audit chain detects edits, but not by someone who can also rewrite the store',
            'set CREDGATE_AUDIT_KEY (or audit.hmacKey) to 32 or more random characters, e.g. `openssl rand -base64 32`',
          );
        return 'the audit chain is keyed';
      },
    },
    {
      name: 'handoff.key',
      async run() {
        let key: Buffer | null;
        try {
          key = resolveHandoffKey(config.handoff);
        } catch (err) {
          throw new SetupProblem((err as Error).message, 'set CREDGATE_HANDOFF_KEY to `openssl rand -base64 32`');
        }
        if (key) return 'one-time links can be sealed';
        if (needsHandoff)
          throw new SetupProblem(
            'the policy rotates shared accounts, whose passwords go out through one-time links, but no hand-off key is set',
            'set CREDGATE_HANDOFF_KEY (or handoff.keyFile) to 32 random bytes, base64 or hex: `openssl rand -base64 32`',
          );
        return 'not set, and no policy binding needs one-time links';
      },
    },
    {
      name: 'store',
      dependency: true,
      async run() {
        // A probe written, read back and removed: reachable is not enough, it must take writes.
        const probe = `doctor-probe:${input.clock().toISOString()}:${Math.random().toString(36).slice(2)}`;
        // Any namespace will do; nothing lists desk sessions, and the probe expires on its own.
        const meta = store.kv.desk_sessions;
        await meta.set(probe, 'ok', 60_000);
        const back = await meta.get(probe);
        await meta.delete(probe);
        if (back !== 'ok')
          throw new SetupProblem(
            `the store (${store.engine.name}) accepted a write but did not read it back`,
            'check the store URL (CREDGATE_STORE) points at a writable database',
          );
        return `${store.engine.name} at ${redact(store.url)} is writable`;
      },
    },
    {
      name: 'policy.providers',
      async run() {
        const known = new Set(input.providerIds);
        const missing = policy.document.providers.filter((b) => !known.has(b.provider));
        if (missing.length)
          throw new SetupProblem(
            `policy binding(s) ${missing.map((b) => `"${b.id}" → "${b.provider}"`).join(', ')} name providers that are not configured`,
            `add them under providers: in the configuration, or fix the names; configured: ${input.providerIds.join(', ') || 'none'}`,
          );
        return `${policy.document.providers.length} binding(s), every provider they name is configured`;
      },
    },
  ];
}

/** What the policy needs from the ticketing systems: the groups it asks to approve. */
export function setupNeeds(config: Config, policy: Policy): SetupNeeds {
  const groups = new Set<string>();
  for (const path of Object.values(policy.document.approvals.paths))
    for (const step of [...path.low, ...path.high]) for (const g of step.groups) groups.add(g);
  for (const g of policy.document.review?.approvers.groups ?? []) groups.add(g);
  return { approverGroups: [...groups], publicUrl: config.server.publicUrl };
}
