import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { openStore, type Store } from '../../src/store/open-store';
import { createLogger } from '../../src/util/logger';
import { createHandoff, type Handoff, type HandoffDeps, type RevealedLink, type Viewer } from '../../src/handoff';
import { routerApp } from '../helpers/router-app';

export const KEY = Buffer.from('3f9c1a7e5b2d4f608192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8', 'hex');
export const T0 = new Date('2025-03-01T10:00:00.000Z');
export const HOUR = 3_600_000;
export const TICKET = { connector: 'jira', id: '10042', key: 'OPS-42' };

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public now = new Date(T0)) {}
  readonly read = () => new Date(this.now);
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export interface RigOptions {
  storeUrl?: string;
  /** Share another rig's store: a second replica. */
  store?: Store;
  key?: Buffer | null;
  ttlMs?: number;
  rateLimit?: HandoffDeps['rateLimit'];
  onRevealed?: HandoffDeps['onRevealed'];
  clock?: FakeClock;
  /** express's `trust proxy`, which createApp turns off. */
  trustProxy?: string;
}

/**
 * credgate's own app (createApp) with the handoff router mounted through `deps.routers`, over real
 * HTTP on a loopback port, with a fake clock and every log line captured.
 */
export class Rig {
  readonly logs: string[] = [];
  readonly reveals: { link: RevealedLink; viewer: Viewer }[] = [];
  url = '';
  handoff!: Handoff;
  store!: Store;
  clock!: FakeClock;
  private server!: Server;
  private ownsStore = false;

  static async start(options: RigOptions = {}): Promise<Rig> {
    const rig = new Rig();
    await rig.init(options);
    return rig;
  }

  private async init(options: RigOptions): Promise<void> {
    this.clock = options.clock ?? new FakeClock();
    this.ownsStore = !options.store;
    this.store = options.store ?? (await openStore(options.storeUrl ?? 'sqlite://:memory:'));
    const sink = new Writable({ write: (chunk, _enc, done) => (this.logs.push(String(chunk)), done()) });
    const log = createLogger({ level: 'debug', destination: sink });
    // The port is known once listening, and the public URL must name it: listen first, mount after.
    this.server = createServer();
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.handoff = createHandoff({
      store: this.store,
      key: options.key === undefined ? KEY : options.key,
      clock: this.clock.read,
      publicUrl: `${this.url}/`,
      ttlMs: options.ttlMs ?? 24 * HOUR,
      log,
      rateLimit: options.rateLimit,
      onRevealed:
        options.onRevealed ??
        (async (link, viewer) => {
          this.reveals.push({ link, viewer });
        }),
    });
    const app = routerApp({ routers: [this.handoff.router()], log, clock: this.clock.read });
    if (options.trustProxy) app.set('trust proxy', options.trustProxy);
    this.server.on('request', app);
  }

  /** Issues a link for a secret; `key` defaults to a fresh idempotency key. */
  issue(secret: string, extra: Partial<Parameters<Handoff['issue']>[0]> = {}) {
    return this.handoff.issue({
      requestId: 'req-1',
      ticket: TICKET,
      label: 'password for svc-backup',
      secret,
      expiresAt: null,
      idempotencyKey: `grant:req-1:${Math.random()}`,
      ...extra,
    });
  }

  /** Every key and value of the handoff namespace, as one string. */
  async dumpStore(): Promise<string> {
    const out: string[] = [];
    for await (const [key, value] of this.store.kv.handoff.iterator!(undefined))
      out.push(`${String(key)} = ${JSON.stringify(value)}`);
    return out.join('\n');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.ownsStore) await this.store.close();
  }
}

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await fetch(url, { headers, redirect: 'manual' }));
}

export async function reveal(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  // What the page's form sends.
  return answer(
    await fetch(`${url}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: '',
      redirect: 'manual',
    }),
  );
}

async function answer(res: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  return { status: res.status, body: await res.text(), headers };
}

/** The secret as the page shows it: inside <pre id="secret">, HTML entities decoded. */
export function shownSecret(body: string): string | null {
  const m = /<pre id="secret">([\s\S]*?)<\/pre>/.exec(body);
  return m ? m[1].replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))) : null;
}
