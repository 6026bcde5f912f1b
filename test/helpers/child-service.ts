import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Policy } from '../../src/policy/policy';
import { SECRETS } from './harness';

const ROOT = resolve(__dirname, '../..');

/** Writes a config and policy for credgate processes started by tests; returns their environment. */
export function childEnvironment(options: {
  store: string;
  jiraUrl: string;
  policy: Policy;
  config?: Record<string, unknown>;
}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'credgate-child-'));
  const policyPath = join(dir, 'policy.json');
  // JSON is YAML: the policy document as the test built it.
  writeFileSync(policyPath, JSON.stringify(options.policy.document));
  const configPath = join(dir, 'credgate.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      log: { level: 'info' },
      effects: { baseDelay: '50ms', maxDelay: '1s', maxAttempts: 40 },
      scheduler: { sweepInterval: '300ms', leaseTtl: '2s' },
      reconcile: { interval: '1s' },
      jira: { projects: ['CRED'], issueTypes: ['Credential request'] },
      ...options.config,
    }),
  );
  return {
    PATH: process.env.PATH ?? '',
    CREDGATE_CONFIG: configPath,
    CREDGATE_POLICY: policyPath,
    CREDGATE_STORE: options.store,
    CREDGATE_AUDIT_KEY: SECRETS.auditKey,
    JIRA_BASE_URL: options.jiraUrl,
    JIRA_EMAIL: 'credgate@example.com',
    JIRA_API_TOKEN: SECRETS.apiToken,
    JIRA_WEBHOOK_SECRET: SECRETS.webhookSecret,
    PORT: '0',
  };
}

let bundled: string | null = null;

/**
 * src/main.ts bundled once per test run (esbuild, dependencies left external): a process started
 * from it is listening in about a second, where loading TypeScript through tsx takes longer; the
 * crash test starts fifty of them.
 */
function bundle(): string {
  if (bundled) return bundled;
  const outfile = join(ROOT, 'dist', 'test-main.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('esbuild').buildSync({
    entryPoints: [join(ROOT, 'src/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return (bundled = outfile);
}

/** credgate as a real separate process, for replica and crash tests. */
export class ChildService {
  output = '';
  url = '';
  private exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
    this.exited = new Promise((ok) => child.on('exit', (code) => ok(code)));
  }

  static async start(env: Record<string, string>, timeoutMs = 20_000): Promise<ChildService> {
    const s = ChildService.spawn(env);
    const port = await new Promise<number>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`credgate did not start:\n${s.output}`)), timeoutMs);
      const check = () => {
        const m = /"port":(\d+)[^\n]*credgate listening/.exec(s.output);
        if (m) {
          clearTimeout(timer);
          ok(Number(m[1]));
        }
      };
      s.child.stdout?.on('data', check);
      s.exited.then((code) => fail(new Error(`credgate exited with ${code}:\n${s.output}`)));
    });
    s.url = `http://127.0.0.1:${port}`;
    return s;
  }

  /** Starts a process without waiting for it to listen (to kill it during start-up). */
  static spawn(env: Record<string, string>): ChildService {
    return new ChildService(spawn(process.execPath, [bundle()], { cwd: ROOT, env }));
  }

  /** kill -9: no shutdown hook runs, in-flight work is cut wherever it is. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}
