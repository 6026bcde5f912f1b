/**
 * A stateful fake Freshservice account (API v2 + a Workflow Automator webhook) for end-to-end tests.
 *
 * Serves the endpoints credgate calls with Freshservice's paths, methods, query parameters, body
 * shapes, Basic auth (API key and "X"), validation errors and status codes; a request the real API
 * would reject is answered the same way and recorded in `violations`. Tests act for people through
 * the control API, which mutates state, writes activities and delivers the workflow's webhook.
 */
import type { RequestListener } from 'node:http';
import type { Request, Response } from 'express';
import { LoopbackFake, rawBodyApp } from '../loopback-fake';
import { FakeSetupError, FreshserviceState, type Mutation } from './freshservice-state';
import { handleRequest, type ApiResult } from './rest-handlers';
import { WebhookSender } from './webhook-sender';
import type { Delivery, FakeFreshserviceOptions, RecordedRequest, WebhookTarget } from './types';

export type * from './types';
export { FakeSetupError } from './freshservice-state';

export class FakeFreshservice extends LoopbackFake<WebhookTarget> {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  private readonly state: FreshserviceState;
  private readonly sender: WebhookSender;
  private readonly failures: { status: number; headers: Record<string, string> }[] = [];

  constructor(private readonly options: FakeFreshserviceOptions) {
    super();
    this.state = new FreshserviceState(options);
    this.sender = new WebhookSender(
      () => this.webhookTarget,
      options.webhookHeader ?? 'X-Credgate-Token',
      options.webhookSecret,
    );
    if (!this.state.user(options.credgateAgentId)?.agent)
      throw new FakeSetupError('FakeFreshservice: credgateAgentId must be an agent');
  }

  // ---- lifecycle (start, stop, baseUrl, setWebhook, idle: LoopbackFake) ----------------------

  protected override requestListener(): RequestListener {
    return rawBodyApp('5mb', (req, res) => this.handle(req, res));
  }

  // ---- control API (the people's side) --------------------------------------------------------

  /** A person raises a ticket (description in HTML, as the portal stores it). */
  async createTicket(
    as: number,
    input: { subject: string; description: string; type?: string; category?: string | null },
  ): Promise<{ id: number; delivery?: Delivery }> {
    const m = this.state.createTicket(as, input);
    const delivery = await this.deliverMutation(m);
    return { id: m.ticketId, ...(delivery ? { delivery } : {}) };
  }

  /** An agent changes the status in the ticket view. */
  async setStatusAs(as: number, id: number, status: number): Promise<Delivery | undefined> {
    if (!this.state.requireUser(as).agent)
      throw new FakeSetupError(`FakeFreshservice: user ${as} is no agent and cannot change a status`);
    if (this.state.statuses[status] === undefined) throw new FakeSetupError(`FakeFreshservice: no status ${status}`);
    const m = this.state.setStatus(as, this.state.requireTicket(id), status);
    return m ? this.deliverMutation(m) : undefined;
  }

  /** A person adds a note (requesters: public notes, i.e. replies from the portal). */
  async noteAs(as: number, id: number, html: string, isPrivate = false): Promise<Delivery | undefined> {
    this.state.requireUser(as);
    this.state.addNote(as, this.state.requireTicket(id), html, isPrivate, !this.state.requireUser(as).agent);
    return this.deliverMutation({ ticketId: id, event: 'note_added' });
  }

  redeliverLast(): Promise<Delivery | undefined> {
    return this.sender.redeliverLast();
  }

  deliver(payload: object, opts: { badSecret?: boolean } = {}): Promise<Delivery | undefined> {
    return this.sender.send(payload, opts);
  }

  /** The next `count` API calls fail with `status` (e.g. 429 with Retry-After) before anything else. */
  failNext(count: number, status: number, headers: Record<string, string> = {}): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers });
  }

  // ---- inspection -------------------------------------------------------------------------------

  statusOf(id: number): number {
    return this.state.requireTicket(id).status;
  }

  /** Notes and replies on a ticket, oldest first, bodies as stored (HTML). */
  conversations(id: number): { userId: number; body: string; private: boolean }[] {
    return this.state.conversations
      .filter((c) => c.ticket_id === id)
      .map((c) => ({ userId: c.user_id, body: c.body, private: c.private }));
  }

  activities(id: number) {
    return [...(this.state.activities.get(id) ?? [])];
  }

  get deliveries(): readonly { body: string; status: number }[] {
    return this.sender.deliveries;
  }

  // ---- REST ---------------------------------------------------------------------------------------

  private deliverMutation(m: Mutation): Promise<Delivery | undefined> {
    return this.sender.send({ ticket_id: m.ticketId });
  }

  private handle(req: Request, res: Response): void {
    const url = new URL(req.originalUrl, 'http://fake.invalid');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const raw = Buffer.isBuffer(req.body) && req.body.length ? req.body : undefined;
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
    }
    const entry: RecordedRequest = { method: req.method, path: url.pathname, query, body, status: 0, at: Date.now() };
    this.requests.push(entry);
    const reply = (r: ApiResult) => {
      entry.status = r.status;
      res.status(r.status).set(r.headers ?? {});
      if (r.body === undefined) res.end();
      else res.json(r.body);
    };

    const failure = this.failures.shift();
    if (failure) {
      return reply({
        status: failure.status,
        headers: failure.headers,
        body:
          failure.status === 429
            ? { message: 'You have exceeded the limit of requests per minute' }
            : { message: `Fake failure (HTTP ${failure.status})` },
      });
    }
    // Basic auth: the API key as user name and "X" as password (https://api.freshservice.com/#authentication).
    if (req.headers.authorization !== `Basic ${Buffer.from(`${this.options.apiKey}:X`).toString('base64')}`) {
      return reply({
        status: 401,
        body: { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' },
      });
    }
    const emitted: Mutation[] = [];
    let result: ApiResult;
    try {
      result = handleRequest(
        {
          method: req.method,
          path: url.pathname,
          query,
          body,
          hasBody: Boolean(raw),
          contentType: String(req.headers['content-type'] ?? ''),
          baseUrl: this.baseUrl,
          agentId: this.options.credgateAgentId,
        },
        this.state,
        { violation: (m) => this.violations.push(m), emit: (m) => emitted.push(m) },
      );
    } catch (error) {
      this.violations.push(
        `FAKE BUG on ${req.method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      result = { status: 500, body: { message: 'Internal error (fake)' } };
    }
    reply(result);
    if (this.options.echoOwnEvents && emitted.length) {
      const p = (async () => {
        for (const m of emitted) await this.deliverMutation(m);
      })().catch((e: unknown) =>
        this.violations.push(`FAKE BUG delivering echo webhook: ${e instanceof Error ? e.message : String(e)}`),
      );
      this.trackDelivery(p);
    }
  }
}
