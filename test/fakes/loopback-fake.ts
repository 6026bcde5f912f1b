import { createServer, type RequestListener, type Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { closeServer, listenOnLoopback } from './loopback-server';

/** Where a fake keeps its base URL. */
export interface BaseUrlHolder {
  baseUrl: string;
}

/**
 * The lifecycle every stateful fake ticketing system shares: it serves its API on a loopback port,
 * sends webhooks to a target set once credgate's URL is known, and lets tests wait for deliveries
 * still in flight, so nothing reaches credgate after a test looked or stopped.
 */
export abstract class LoopbackFake<Target> {
  protected webhookTarget: Target | undefined;
  private server: Server | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly ownBaseUrl: BaseUrlHolder = { baseUrl: '' };

  constructor(webhookTarget?: Target) {
    this.webhookTarget = webhookTarget;
  }

  /** Serves the vendor's API; made anew on each start. */
  protected abstract requestListener(): RequestListener;

  /** Fakes whose state renders absolute URLs (self links, ticket links) keep the base URL there instead. */
  protected baseUrlHolder(): BaseUrlHolder {
    return this.ownBaseUrl;
  }

  /** Listens on 127.0.0.1 on an ephemeral port; resolves with the base URL (http://127.0.0.1:PORT). */
  async start(): Promise<string> {
    const holder = this.baseUrlHolder();
    if (this.server) return holder.baseUrl;
    const server = createServer(this.requestListener());
    holder.baseUrl = await listenOnLoopback(server);
    this.server = server;
    return holder.baseUrl;
  }

  async stop(): Promise<void> {
    await this.idle();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await closeServer(server);
  }

  get baseUrl(): string {
    return this.baseUrlHolder().baseUrl;
  }

  /** Where webhooks go (credgate's URL is often known only after the fake started). */
  setWebhook(target: Target | undefined): void {
    this.webhookTarget = target;
  }

  /** Waits for webhook deliveries started by REST calls (echoOwnEvents). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Vendors deliver a REST call's own events after answering it; idle() and stop() wait for them. */
  protected trackDelivery(delivery: Promise<unknown>): void {
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }
}

/** An express app handing every request to `handle` with the body as a raw Buffer: the fakes parse and judge bodies themselves. */
export function rawBodyApp(limit: string, handle: (req: Request, res: Response) => void): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.raw({ type: () => true, limit }));
  app.use(handle);
  return app;
}
