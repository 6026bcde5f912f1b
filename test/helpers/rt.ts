import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import axios, { type AxiosInstance } from 'axios';

/**
 * A real Request Tracker 5 for the tests: Debian's request-tracker5 on SQLite, served by its own
 * rt-server (Starlet) on a free loopback port, with credgate's lifecycle and webhook Scrip from
 * connectors/rt/ and the people, group, queue and custom fields of test/helpers/rt/. One instance
 * per test run (initialising RT takes tens of seconds, so the initialised database is cached under
 * the temp dir by a digest of everything that shapes it); `reset()` puts the pristine database
 * back between tests; the process is stopped when the run ends.
 */

const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const RT_SETUP = '/usr/sbin/rt-setup-database-5';
const CONNECTOR_DIR = resolve(__dirname, '../../connectors/rt');
const LIFECYCLE = join(CONNECTOR_DIR, 'credgate-lifecycle.pm');
const SCRIP = join(CONNECTOR_DIR, 'webhook-scrip.initialdata');
const TEST_DATA = resolve(__dirname, 'rt/test-instance.initialdata');
const run = promisify(execFile);

export const RT_QUEUE = 'Credential request';
/** The password of rita, alice, bob and olga (test-only, set by test-instance.initialdata). */
export const RT_PASSWORD = 'rt-test-password-4c7e1a';
export const RT_WEBHOOK_SECRET = 'rt-webhook-secret-5e0c93a1d7';
export type RtUser = 'rita' | 'alice' | 'bob' | 'olga';

/** One webhook the Scrip sent, as the relay received it. */
export interface RtDelivery {
  body: Buffer;
  headers: IncomingHttpHeaders;
  /** What credgate answered (set once the relay forwarded it). */
  answer?: { status: number; body: string };
}

export interface RtInstance {
  /** http://127.0.0.1:<port>, RT's web root (REST 2.0 at /REST/2.0). */
  readonly url: string;
  /** credgate's auth token ("1-<user id>-<secret>"), for `Authorization: token ...`. */
  readonly token: string;
  /** Deliveries the Scrip made since the last reset, oldest first. */
  readonly deliveries: RtDelivery[];
  /** Where the relay forwards the Scrip's deliveries (credgate's /webhooks/rt); null drops them. */
  setWebhookTarget(url: string | null): void;
  /** Sends a delivery to the current target as the Scrip would have; answers status and body. */
  forward(delivery: RtDelivery): Promise<{ status: number; body: string }>;
  /** REST 2.0 as one of the people (Basic auth with their RT password). */
  as(user: RtUser): AxiosInstance;
  /** REST 2.0 as credgate (its token). */
  readonly api: AxiosInstance;
  /** Back to the freshly initialised database: no tickets, the seeded people, group and queue. */
  reset(): Promise<void>;
  /** Stops rt-server (RT down); `start()` brings it back on the same port and database. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

/** A loopback port the OS says is free (listen on 0, then close). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function siteConfig(dir: string, port: number, webhookUrl: string): string {
  return [
    "Set($rtname, 'credgate-test');",
    "Set($Organization, 'credgate.test');",
    "Set($DatabaseType, 'SQLite');",
    `Set($DatabaseName, '${join(dir, 'rt.db')}');`,
    "Set($WebDomain, '127.0.0.1');",
    `Set($WebPort, ${port});`,
    "Set($WebPath, '');",
    `Set($WebBaseURL, 'http://127.0.0.1:${port}');`,
    "Set($LogToSTDERR, 'error');",
    'Set($LogToSyslog, undef);',
    'Set($LogToFile, undef);',
    // No mail leaves a test RT: correspondence would otherwise call sendmail.
    "Set($MailCommand, 'testfile');",
    `Set($CredgateWebhookURL, '${webhookUrl}');`,
    `Set($CredgateWebhookSecret, '${RT_WEBHOOK_SECRET}');`,
    "Set($CredgateRTUser, 'credgate');",
    // Where the Debian build keeps compiled Mason components and sessions is not writable by
    // everyone, and two instances must not share it.
    `$RT::MasonDataDir = '${join(dir, 'mason')}';`,
    `$RT::MasonSessionDir = '${join(dir, 'sessions')}';`,
    '1;',
    '',
  ].join('\n');
}

function rtEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    RT_SITE_CONFIG: join(dir, 'RT_SiteConfig.pm'),
    RT_SITE_CONFIG_DIR: join(dir, 'RT_SiteConfig.d'),
    CREDGATE_RT_QUEUE: RT_QUEUE,
    CREDGATE_RT_TOKEN_FILE: join(dir, 'token'),
  };
}

function layout(dir: string, port: number, webhookUrl: string): void {
  for (const sub of ['RT_SiteConfig.d', 'mason', 'sessions']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'RT_SiteConfig.pm'), siteConfig(dir, port, webhookUrl));
  copyFileSync(LIFECYCLE, join(dir, 'RT_SiteConfig.d', '60-credgate.pm'));
}

/**
 * The initialised database and credgate's token, built once per machine and shape: init, then the
 * test data and the shipped Scrip, exactly as the readme tells an operator to load it.
 */
async function initialisedDatabase(): Promise<{ db: string; token: string }> {
  const digest = createHash('sha256');
  for (const f of [LIFECYCLE, SCRIP, TEST_DATA]) digest.update(readFileSync(f));
  const cache = join(tmpdir(), `credgate-rt5-${digest.digest('hex').slice(0, 16)}`);
  if (existsSync(join(cache, 'rt.db')) && existsSync(join(cache, 'token'))) {
    return { db: join(cache, 'rt.db'), token: readFileSync(join(cache, 'token'), 'utf8').trim() };
  }
  const build = mkdtempSync(join(tmpdir(), 'credgate-rt5-build-'));
  layout(build, 1, 'http://127.0.0.1:1/unused');
  const env = rtEnv(build);
  const setup = (...args: string[]) => run(RT_SETUP, args, { env, maxBuffer: 16 << 20 });
  await setup('--action', 'init', '--skip-create');
  await setup('--action', 'insert', '--datafile', TEST_DATA);
  await setup('--action', 'insert', '--datafile', SCRIP);
  if (!existsSync(join(build, 'token'))) throw new Error('RT test data wrote no auth token');
  // Another run may have built the same cache meanwhile: rename is atomic, the loser cleans up.
  mkdirSync(join(build, 'cache'));
  renameSync(join(build, 'rt.db'), join(build, 'cache', 'rt.db'));
  renameSync(join(build, 'token'), join(build, 'cache', 'token'));
  try {
    renameSync(join(build, 'cache'), cache);
  } catch {
    // exists already
  }
  rmSync(build, { recursive: true, force: true });
  return { db: join(cache, 'rt.db'), token: readFileSync(join(cache, 'token'), 'utf8').trim() };
}

/** The Scrip posts to a relay in this process, so each test's credgate (on its own port) receives. */
function startRelay(deliveries: RtDelivery[], target: () => string | null) {
  const forward = (d: RtDelivery): Promise<{ status: number; body: string }> =>
    new Promise((done) => {
      const url = target();
      if (!url) return done({ status: 503, body: 'no webhook target' });
      const req = httpRequest(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': d.headers['content-type'] ?? 'application/json',
            ...(d.headers['x-credgate-signature'] ? { 'x-credgate-signature': d.headers['x-credgate-signature'] } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', (err) => done({ status: 502, body: err.message }));
      req.end(d.body);
    });
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const delivery: RtDelivery = { body: Buffer.concat(chunks), headers: req.headers };
      deliveries.push(delivery);
      const answer = await forward(delivery);
      delivery.answer = answer;
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
  });
  return { server, forward };
}

let shared: Promise<RtInstance> | null = null;

/** The run's RT, started on first use. */
export function sharedRt(): Promise<RtInstance> {
  shared ??= startRt();
  return shared;
}

async function startRt(): Promise<RtInstance> {
  if (!existsSync(RT_SERVER)) {
    throw new Error('Request Tracker 5 is not installed: run `sudo bash scripts/install-system-packages.sh`');
  }
  const { db: pristine, token } = await initialisedDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'credgate-rt5-'));
  const deliveries: RtDelivery[] = [];
  let target: string | null = null;
  const relay = startRelay(deliveries, () => target);
  await new Promise<void>((done) => relay.server.listen(0, '127.0.0.1', done));
  const relayPort = (relay.server.address() as { port: number }).port;
  const port = await freePort();
  layout(dir, port, `http://127.0.0.1:${relayPort}/hook`);
  copyFileSync(pristine, join(dir, 'rt.db'));
  const url = `http://127.0.0.1:${port}`;
  const env = rtEnv(dir);
  let child: ChildProcess | null = null;
  const stderr: string[] = [];

  const startServer = async () => {
    // Two workers: credgate's reads go on while the other one runs the Scrip's delivery.
    child = spawn(RT_SERVER, ['--port', String(port), '--host', '127.0.0.1', '--max-workers', '2'], {
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (c: Buffer) => stderr.push(String(c)));
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`rt-server exited: ${stderr.join('').slice(-2000)}`);
      try {
        const res = await axios.get(`${url}/REST/2.0/rt`, {
          headers: { Authorization: `token ${token}` },
          timeout: 2000,
          validateStatus: () => true,
        });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() - started > 60_000) throw new Error(`rt-server did not answer in 60 s: ${stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stopServer = async () => {
    const c = child;
    child = null;
    if (!c?.pid || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    try {
      process.kill(-c.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (c.pid) process.kill(-c.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  // However the run ends, no rt-server outlives it.
  process.once('exit', () => {
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  await startServer();

  const rest = (auth: { token?: string; user?: RtUser }) =>
    axios.create({
      baseURL: `${url}/REST/2.0`,
      timeout: 15_000,
      headers: auth.token ? { Authorization: `token ${auth.token}` } : {},
      ...(auth.user ? { auth: { username: auth.user, password: RT_PASSWORD } } : {}),
    });

  return {
    url,
    token,
    deliveries,
    setWebhookTarget: (u) => {
      target = u;
    },
    forward: relay.forward,
    as: (user) => rest({ user }),
    api: rest({ token }),
    async reset() {
      // Overwritten in place while no request runs: RT's SQLite connections see the file's change
      // counter move and drop their page cache; RT flushes its record cache every request.
      copyFileSync(pristine, join(dir, 'rt.db'));
      deliveries.length = 0;
      target = null;
    },
    stopServer,
    startServer,
    async stop() {
      await stopServer();
      await new Promise<void>((done) => relay.server.close(() => done()));
      rmSync(dir, { recursive: true, force: true });
      shared = null;
    },
  };
}
