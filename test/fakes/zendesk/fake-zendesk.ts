/**
 * A stateful fake Zendesk Support (REST API v2 and webhooks) for credgate's end-to-end tests.
 *
 * REST calls must authenticate as `{email}/token:{api_token}` and use the paths, methods, query
 * parameters and bodies Zendesk documents; anything Zendesk would reject (or silently ignore, which
 * hides bugs) is answered like Zendesk and recorded in `violations`. Tests drive the people's side
 * through the control API (createTicket, setFieldAs, setStatusAs, commentAs), which writes audits
 * and delivers signed webhooks like Zendesk.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { LoopbackFake, type BaseUrlHolder } from '../loopback-fake';
import { route, type RestResult } from './rest-handlers';
import { ZendeskState, type Mutation } from './zendesk-state';
import { eventPayloads, triggerPayload } from './webhook-payloads';
import { ZendeskWebhookSender, type RecordedZendeskDelivery } from './webhook-sender';
import { dangerousHtml } from './html-text';
import { ticketJson } from './zendesk-json';
import { errorJson } from './zendesk-json';
import type {
  CreateTicketInput,
  DeliverOptions,
  FakeDelivery,
  FakeWebhookTarget,
  FakeZendeskOptions,
  RecordedZendeskRequest,
} from './types';

export type * from './types';
export { zendeskSignatureOf } from './webhook-sender';

interface PlannedFailure {
  status: number;
  headers: Record<string, string>;
  method?: string;
  path?: RegExp;
}

export class FakeZendesk extends LoopbackFake<FakeWebhookTarget> {
  /** Every REST call credgate made, in order (failed and rejected ones included). */
  readonly requests: RecordedZendeskRequest[] = [];
  /** Every request real Zendesk would reject or silently misread. */
  readonly violations: string[] = [];
  readonly state: ZendeskState;

  private readonly sender: ZendeskWebhookSender;
  private readonly failures: PlannedFailure[] = [];

  constructor(private readonly options: FakeZendeskOptions) {
    super(options.webhook);
    this.state = new ZendeskState(options);
    this.sender = new ZendeskWebhookSender(() => this.webhookTarget, options.now ?? (() => new Date()));
  }

  // ---- lifecycle (start, stop, baseUrl, setWebhook, idle: LoopbackFake) ----------------------

  protected override requestListener(): RequestListener {
    return (req, res) => void this.handle(req, res);
  }

  /** Ticket JSON carries API URLs, which the state renders. */
  protected override baseUrlHolder(): BaseUrlHolder {
    return this.state;
  }

  // ---- control API (the people's side) -------------------------------------------------------

  async createTicket(as: number, input: CreateTicketInput): Promise<{ id: number; delivery?: FakeDelivery }> {
    const m = this.state.createTicket(as, input);
    const delivery = await this.deliverMutation(m);
    return { id: m.ticket.id, ...(delivery ? { delivery } : {}) };
  }

  /** Sets a custom field as a person would in the agent workspace (e.g. "Credential approval"). */
  setFieldAs(as: number, ticketId: number, fieldId: number, value: string | null): Promise<FakeDelivery | undefined> {
    this.state.requireUser(as);
    return this.deliverMutation(
      this.state.update(as, this.state.requireTicket(ticketId), { customFields: [{ id: fieldId, value }] }, 'web'),
    );
  }

  setStatusAs(as: number, ticketId: number, status: string): Promise<FakeDelivery | undefined> {
    this.state.requireUser(as);
    return this.deliverMutation(this.state.update(as, this.state.requireTicket(ticketId), { status }, 'web'));
  }

  commentAs(as: number, ticketId: number, body: string, isPublic = true): Promise<FakeDelivery | undefined> {
    this.state.requireUser(as);
    return this.deliverMutation(
      this.state.update(as, this.state.requireTicket(ticketId), { comment: { plain: body, public: isPublic } }, 'web'),
    );
  }

  /** Sends the last delivery again: same bytes, same signature headers, same invocation id. */
  redeliverLast(): Promise<FakeDelivery | undefined> {
    return this.sender.redeliverLast();
  }

  /** Sends any payload (a fixture, a forged body) as a signed delivery. */
  deliver(payload: unknown, opts: DeliverOptions = {}): Promise<FakeDelivery | undefined> {
    return this.sender.send(payload, opts);
  }

  deliverRaw(raw: Buffer, opts: DeliverOptions = {}): Promise<FakeDelivery | undefined> {
    return this.sender.sendRaw(raw, opts);
  }

  /**
   * The next `count` REST calls (those matching `only`, when given) fail with `status` and headers
   * (e.g. Retry-After) before anything else is checked.
   */
  failNext(
    count: number,
    status: number,
    headers: Record<string, string> = {},
    only: { method?: string; path?: RegExp } = {},
  ): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers, ...only });
  }

  // ---- inspection --------------------------------------------------------------------------

  ticketJson(id: number): Record<string, unknown> {
    return ticketJson(this.state, this.state.requireTicket(id));
  }

  fieldValue(id: number, fieldId: number): string | null {
    return this.state.requireTicket(id).customFields.get(fieldId) ?? null;
  }

  statusOf(id: number): string {
    return this.state.requireTicket(id).status;
  }

  /** Comments as stored: author, HTML and plain text, visibility. */
  comments(id: number) {
    return this.state.requireTicket(id).comments.map((c) => ({ ...c }));
  }

  /** Comment text as a reader sees it (the plain body Zendesk derives from the HTML). */
  commentTexts(id: number): string[] {
    return this.state.requireTicket(id).comments.map((c) => c.plain);
  }

  get deliveries(): readonly RecordedZendeskDelivery[] {
    return this.sender.deliveries;
  }

  clearRecords(): void {
    this.requests.length = 0;
    this.violations.length = 0;
  }

  // ---- webhooks and REST ---------------------------------------------------------------------

  /** Delivers what one mutation causes; resolves with credgate's answer to the last delivery. */
  private async deliverMutation(m: Mutation): Promise<FakeDelivery | undefined> {
    const payloads =
      (this.options.webhookStyle ?? 'event') === 'trigger' ? [triggerPayload(m)] : eventPayloads(this.state, m);
    let last: FakeDelivery | undefined;
    for (const p of payloads) last = await this.sender.send(p);
    return last;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    let parseError: string | undefined;
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        body = raw.toString('utf8');
        parseError = error instanceof Error ? error.message : String(error);
      }
    }
    const entry: RecordedZendeskRequest = { method, path: url.pathname, query, body, status: 0, at: Date.now() };
    this.requests.push(entry);
    const reply = (result: RestResult) => {
      entry.status = result.status;
      const headers: Record<string, string> = {
        'Content-Type': 'application/json; charset=utf-8',
        ...(result.headers ?? {}),
      };
      res.writeHead(result.status, headers);
      res.end(
        result.body === undefined
          ? undefined
          : typeof result.body === 'string'
            ? result.body
            : JSON.stringify(result.body),
      );
    };
    const violation = (status: number, message: string, result: RestResult) => {
      this.violations.push(`${method} ${url.pathname}: ${message}`);
      reply({ ...result, status });
    };

    const planned = this.failures.findIndex(
      (f) => (!f.method || f.method === method) && (!f.path || f.path.test(url.pathname)),
    );
    const failure = planned >= 0 ? this.failures.splice(planned, 1)[0] : undefined;
    if (failure) {
      // Zendesk answers 429 in plain text with Retry-After in seconds.
      if (failure.status === 429)
        return reply({
          status: 429,
          headers: { 'Content-Type': 'text/plain', ...failure.headers },
          body: 'Number of allowed API requests per minute exceeded',
        });
      return reply({
        status: failure.status,
        headers: failure.headers,
        body: errorJson('ServiceUnavailable', `Fake failure (HTTP ${failure.status})`),
      });
    }
    if (!this.authenticated(req.headers.authorization)) {
      this.violations.push(`${method} ${url.pathname}: not authenticated as ${this.options.email}/token`);
      return reply({
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="Web Password"' },
        body: { error: "Couldn't authenticate you" },
      });
    }
    const found = route(method, url.pathname);
    if (!found)
      return violation(404, 'no such endpoint', { status: 404, body: errorJson('InvalidEndpoint', 'Not found') });
    if ('allowed' in found)
      return violation(404, `method not allowed (Zendesk serves ${found.allowed.join(', ')} here)`, {
        status: 404,
        body: errorJson('InvalidEndpoint', 'Not found'),
      });
    if (raw.length && !/application\/json/i.test(req.headers['content-type'] ?? '')) {
      return violation(415, `Content-Type ${req.headers['content-type'] ?? 'none'} is not application/json`, {
        status: 415,
        body: errorJson('UnsupportedMediaType', 'Unsupported media type'),
      });
    }
    if (parseError)
      return violation(400, `body is not JSON: ${parseError}`, {
        status: 400,
        body: errorJson('Unprocessable Entity', 'Server could not parse JSON'),
      });
    if (method === 'PUT' && body && typeof body === 'object') {
      const html = (body as { ticket?: { comment?: { html_body?: unknown } } }).ticket?.comment?.html_body;
      const danger = typeof html === 'string' ? dangerousHtml(html) : null;
      if (danger)
        this.violations.push(
          `${method} ${url.pathname}: the comment's HTML contains ${danger}: requester text reached it unescaped`,
        );
    }

    const emitted: Mutation[] = [];
    let result: RestResult;
    try {
      result = found.handler({
        state: this.state,
        params: found.params,
        query,
        body,
        as: this.options.serviceUserId,
        path: url.pathname,
        violation: (message) => this.violations.push(`${method} ${url.pathname}: ${message}`),
        emit: (m) => emitted.push(m),
      });
    } catch (error) {
      this.violations.push(
        `FAKE BUG on ${method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      result = { status: 500, body: errorJson('InternalError', 'Internal server error (fake)') };
    }
    reply(result);
    if (this.options.echoOwnEvents && emitted.length) {
      // Zendesk fires webhooks asynchronously, after answering the REST call.
      const delivery = (async () => {
        for (const m of emitted) await this.deliverMutation(m);
      })().catch((error: unknown) => this.violations.push(`FAKE BUG delivering echo webhook: ${String(error)}`));
      this.trackDelivery(delivery);
    }
  }

  private authenticated(header: string | undefined): boolean {
    const basic = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!basic) return false;
    return Buffer.from(basic[1], 'base64').toString('utf8') === `${this.options.email}/token:${this.options.apiToken}`;
  }
}
