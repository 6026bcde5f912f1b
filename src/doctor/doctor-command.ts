import { Command } from 'commander';
import type { Config } from '../config/load-config';
import { loadConfig } from '../config/load-config';
import { CONNECTORS } from '../../connectors';
import type { Connector } from '../../connectors/types';
import { loadPolicy, type Policy } from '../policy/policy';
import { createProviders } from '../providers/registry';
import { openConfiguredStore, type Store } from '../store/open-store';
import { createLogger, registerSecret } from '../util/logger';
import type { CheckResult } from './check';
import { formatResults, runChecks } from './run-checks';
import { setupChecks } from './setup-checks';
import { type Clock, systemClock } from '../util/clock';

/**
 * `credgate doctor`: builds what the service would build from the same configuration, without
 * starting it, and runs every check. A part that cannot even be built (a policy that does not
 * load, a store that does not open) is reported as its own failed check, and the rest still runs.
 */
export async function runDoctor(env: NodeJS.ProcessEnv, clock: Clock = systemClock): Promise<CheckResult[]> {
  const failed = (name: string, err: unknown, fix: string): CheckResult => ({
    name,
    ok: false,
    message: (err as Error).message,
    fix,
    ms: 0,
  });
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    return [failed('config', err, 'fix the keys named above in the configuration file or the environment')];
  }
  const log = createLogger({ level: 'silent', secrets: config.secrets });
  const early: CheckResult[] = [];
  let policy: Policy | null = null;
  try {
    policy = loadPolicy(config.policy.path);
  } catch (err) {
    early.push(failed('policy', err, `run \`credgate policy check ${config.policy.path}\` and fix what it names`));
  }
  let store: Store | null = null;
  try {
    store = await openConfiguredStore(config.store);
  } catch (err) {
    early.push(failed('store', err, 'check CREDGATE_STORE (store.url): the server, the credentials, the database'));
  }
  const connectors: Connector[] = [];
  for (const def of CONNECTORS) {
    const section = config[def.id] as never;
    if (!def.isConfigured(section)) continue;
    try {
      connectors.push(def.create(section, { log, now: () => clock().getTime() }));
    } catch (err) {
      early.push(failed(`${def.id}.config`, err, `fix the ${def.id}: section or its environment variables`));
    }
  }
  let providers: Awaited<ReturnType<typeof createProviders>> = [];
  try {
    providers = createProviders(config.providers ?? {}, {
      log,
      clock,
      env,
      registerSecret: (value) => registerSecret(log, value),
    });
  } catch (err) {
    early.push(failed('providers', err, 'fix the providers: section of the configuration'));
  }
  try {
    if (!policy || !store) return early;
    const checks = setupChecks({
      config,
      policy,
      store,
      connectors,
      providers,
      clock,
    });
    return [...early, ...(await runChecks(checks))];
  } finally {
    for (const p of providers) await p.close?.().catch(() => undefined);
    await store?.close().catch(() => undefined);
  }
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description('check the setup: connectors, providers, keys and store; exit 1 when anything fails')
    .option('--json', 'print the results as JSON')
    .action(async (opts: { json?: boolean }) => {
      const results = await runDoctor(process.env);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ ok: results.every((r) => r.ok), checks: results }, null, 2)}\n`
          : `${formatResults(results)}\n`,
      );
      if (results.some((r) => !r.ok)) process.exitCode = 1;
    });
}
