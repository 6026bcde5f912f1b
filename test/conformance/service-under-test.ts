import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/util/logger';
import { createService, type Service } from '../../src/service';
import type { Policy } from '../../src/policy/policy';
import { SECRETS } from '../helpers/harness';
import type { AsyncVendorFake, VendorFake } from './driver';

/** credgate in process, over real HTTP, wired to one vendor fake. */
export class ServiceUnderTest {
  readonly logs: string[] = [];
  service!: Service;
  url = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'credgate-conformance-'));

  static async start(
    fake: VendorFake | AsyncVendorFake,
    connectorId: string,
    policy: Policy,
    /** For scenarios beyond the suite: an injected clock, and configuration merged over the fake's. */
    options: { clock?: () => Date; config?: Record<string, unknown> } = {},
  ): Promise<ServiceUnderTest> {
    const s = new ServiceUnderTest();
    const configPath = join(s.dir, 'credgate.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        effects: { baseDelay: '50ms', maxDelay: '500ms', maxAttempts: 6 },
        scheduler: { sweepInterval: '300ms' },
        ...fake.config,
        ...options.config,
      }),
    );
    const config = loadConfig({
      CREDGATE_CONFIG: configPath,
      CREDGATE_STORE: `sqlite://${join(s.dir, 'store.sqlite')}`,
      CREDGATE_AUDIT_KEY: SECRETS.auditKey,
      ...fake.env,
    });
    const sink = new Writable({
      write: (chunk, _enc, done) => {
        s.logs.push(String(chunk));
        done();
      },
    });
    s.service = await createService({
      config,
      log: createLogger({ level: 'debug', secrets: config.secrets, destination: sink }),
      policy,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    if (!s.service.connectors.has(connectorId))
      throw new Error(`connector ${connectorId} is not configured by its driver's env/config`);
    s.url = `http://127.0.0.1:${await s.service.listen(0, '127.0.0.1')}`;
    fake.setWebhook(`${s.url}/webhooks/${connectorId}`);
    return s;
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      await this.service.idle();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stop(): Promise<void> {
    await this.service.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
