import type { Config } from '../config/load-config';
import type { Connector } from '../../connectors/types';
import type { Policy } from '../policy/policy';
import type { Store } from '../store/open-store';
import type { AccessProvider } from '../providers/types';
import type { AccessTarget } from '../domain/access-target';
import type { SetupCheck } from './check';
import { coreChecks, setupNeeds } from './core-checks';

/**
 * Every check of a setup, in the order an operator fixes things: credgate's own keys and store,
 * then each ticketing system, then each provider with the bindings that name it.
 */
export function setupChecks(input: {
  config: Config;
  policy: Policy;
  store: Store;
  connectors: Iterable<Connector>;
  providers: Iterable<AccessProvider>;
  clock: () => Date;
}): SetupCheck[] {
  const providers = [...input.providers];
  // The builtin ledger is always there: it takes the requests no binding matches.
  const providerIds = [...new Set(['builtin', ...providers.map((p) => p.id)])];
  const checks = coreChecks({ ...input, providerIds });
  const needs = setupNeeds(input.config, input.policy);
  for (const connector of input.connectors) checks.push(...(connector.checks?.(needs) ?? []));
  for (const provider of providers) {
    const targets: AccessTarget[] = input.policy.document.providers
      .filter((b) => b.provider === provider.id)
      .map((b) => ({
        binding: b.id,
        provider: b.provider,
        settings: { ...b.with },
        rotateOnRevoke: b.rotateOnRevoke,
        share: b.share,
      }));
    checks.push(...(provider.checks?.(targets) ?? []));
  }
  return checks;
}
