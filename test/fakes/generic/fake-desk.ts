/**
 * "Desk": a stateful fake of an imaginary ticketing system that credgate has no connector for, so
 * the generic connector must be configured to speak its API (see desk-config.ts). Its API is
 * strict: wrong paths, methods, content types, auth or body shapes are answered like a real API
 * would (401/404/405/415/422) and recorded in `violations`.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { LoopbackFake, type BaseUrlHolder } from '../loopback-fake';
import { DeskState, type DeskMutation } from './desk-state';
import { route, type RestResult } from './rest-handlers';
import { DeskWebhookSender } from './webhook-sender';
import { personJson, ticketJson } from './desk-json';
import type { CreateDeskTicket, DeskDelivery, DeskWebhookTarget, FakeDeskOptions, RecordedDeskRequest } from './types';

export type * from './types';
export { deskSignature } from './webhook-sender';

interface PlannedFailure {
  status: number;
  headers: Record<string, string>;
  method?: string;
  path?: RegExp;
}

export class FakeDesk extends LoopbackFake<DeskWebhookTarget> {
  readonly requests: RecordedDeskRequest[] = [];
  readonly violations: string[] = [];
  readonly state: DeskState;
  private readonly sender: DeskWebhookSender;
  private readonly failures: PlannedFailure[] = [];

  constructor(private readonly options: FakeDeskOptions) {
    super(options.webhook);
    this.state = new DeskState(options);
    this.sender = new DeskWebhookSender(() => this.webhookTarget);
  }

  // ---- lifecycle (start, stop, baseUrl, setWebhook, idle: LoopbackFake) ----------------------

  protected override requestListener(): RequestListener {
    return (req, res) => void this.handle(req, res);
  }

  /** Ticket JSON carries its web_url, which the state renders. */
  protected override baseUrlHolder(): BaseUrlHolder {
    return this.state;
  }

  // ---- control API (the people's side) -------------------------------------------------------

  async createTicket(as: string, input: CreateDeskTicket): Promise<{ id: number; delivery?: DeskDelivery }> {
    const m = this.state.create(as, input);
    const delivery = await this.deliver(m);
    return { id: m.ticket.id, ...(delivery ? { delivery } : {}) };
  }

  async setStateAs(as: string, id: number, state: string): Promise<DeskDelivery | undefined> {
    this.state.requirePerson(as);
    const m = this.state.setState(as, this.state.requireTicket(id), state);
    return m ? this.deliver(m) : undefined;
  }

  async noteAs(as: string, id: number, text: string, internal = false): Promise<DeskDelivery | undefined> {
    this.state.requirePerson(as);
    return this.deliver(this.state.addNote(as, this.state.requireTicket(id), text, internal).mutation);
  }

  redeliverLast(): Promise<DeskDelivery> {
    return this.sender.redeliverLast();
  }

  /** A delivery about a ticket, signed with a wrong secret. */
  deliverForged(id: number): Promise<DeskDelivery | undefined> {
    const t = this.state.requireTicket(id);
    return this.sender.send(
      { event: 'ticket.updated', actor: personJson(this.state, t.requesterId), ticket: ticketJson(this.state, t) },
      { badSignature: true },
    );
  }

  /** Sends any payload, signed (the `delivery` object is added). */
  deliverPayload(payload: Record<string, unknown>): Promise<DeskDelivery | undefined> {
    return this.sender.send(payload);
  }

  failNext(
    count: number,
    status: number,
    headers: Record<string, string> = {},
    only: { method?: string; path?: RegExp } = {},
  ): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers, ...only });
  }

  // ---- inspection --------------------------------------------------------------------------

  stateOf(id: number): string {
    return this.state.requireTicket(id).state;
  }

  notes(id: number) {
    return this.state.requireTicket(id).notes.map((n) => ({ ...n }));
  }

  get deliveries() {
    return this.sender.deliveries;
  }

  clearRecords(): void {
    this.requests.length = 0;
    this.violations.length = 0;
  }

  // ---- webhooks and REST ---------------------------------------------------------------------

  private deliver(m: DeskMutation): Promise<DeskDelivery | undefined> {
    return this.sender.send({
      event: m.event,
      actor: personJson(this.state, m.actorId),
      ticket: ticketJson(this.state, m.ticket),
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    let body: unknown;
    let parseError: string | undefined;
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        parseError = String(error);
      }
    }
    const entry: RecordedDeskRequest = { method, path: url.pathname, body, status: 0, at: Date.now() };
    this.requests.push(entry);
    const reply = (r: RestResult) => {
      entry.status = r.status;
      res.writeHead(r.status, { 'Content-Type': 'application/json', ...(r.headers ?? {}) });
      res.end(r.body === undefined ? undefined : JSON.stringify(r.body));
    };
    const reject = (status: number, message: string, headers: Record<string, string> = {}) => {
      this.violations.push(`${method} ${url.pathname}: ${message}`);
      reply({ status, headers, body: { message } });
    };

    const planned = this.failures.findIndex(
      (f) => (!f.method || f.method === method) && (!f.path || f.path.test(url.pathname)),
    );
    if (planned >= 0) {
      const f = this.failures.splice(planned, 1)[0];
      return reply({
        status: f.status,
        headers: f.headers,
        body: { message: f.status === 429 ? 'rate limit exceeded, slow down' : `fake failure ${f.status}` },
      });
    }
    if (req.headers.authorization !== `Bearer ${this.options.token}`)
      return reject(401, 'invalid or missing bearer token');
    if (url.search) return reject(400, `unexpected query ${url.search}`);
    const found = route(method, url.pathname);
    if (!found) return reject(404, 'no such endpoint');
    if ('allowed' in found)
      return reject(405, `method not allowed (allowed: ${found.allowed.join(', ')})`, {
        Allow: found.allowed.join(', '),
      });
    if (method === 'GET' && raw.length) return reject(400, 'a GET has no body');
    if (raw.length && !/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
      return reject(415, `Content-Type ${req.headers['content-type'] ?? 'none'} is not application/json`);
    if (parseError) return reject(400, `body is not JSON: ${parseError}`);
    if ((method === 'POST' || method === 'PATCH') && !raw.length) return reject(400, 'a body is required');

    const emitted: DeskMutation[] = [];
    let result: RestResult;
    try {
      result = found.handler({
        state: this.state,
        params: found.params,
        body,
        as: this.options.servicePersonId,
        violation: (message) => this.violations.push(`${method} ${url.pathname}: ${message}`),
        emit: (m) => emitted.push(m),
      });
    } catch (error) {
      this.violations.push(`FAKE BUG on ${method} ${url.pathname}: ${String(error)}`);
      result = { status: 500, body: { message: 'internal error (fake)' } };
    }
    reply(result);
    if (this.options.echoOwnEvents && emitted.length) {
      const delivery = (async () => {
        for (const m of emitted) await this.deliver(m);
      })().catch((error: unknown) => this.violations.push(`FAKE BUG delivering echo webhook: ${String(error)}`));
      this.trackDelivery(delivery);
    }
  }
}
