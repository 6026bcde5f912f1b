/**
 * A stateful fake NinjaOne (Public API 2.0) for end-to-end tests.
 *
 * Every request is checked against NinjaOne's own OpenAPI description (test/fixtures/ninjaone/):
 * the path and method must name an operation, query parameters must be declared, JSON bodies must
 * validate against the operation's schema, and the comment endpoint takes multipart/form-data with
 * a JSON `comment` part. OAuth 2.0 client credentials at /ws/oauth/token issue bearer tokens that
 * expire. A request the real API would reject is answered the same way and recorded in
 * `violations`. Tests act for people through the control API, which writes log entries and sends
 * the webhook's activity notifications with the custom headers configured by PUT /v2/webhook.
 */
import { randomBytes } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Request, Response } from 'express';
import { LoopbackFake, rawBodyApp } from '../loopback-fake';
import { FakeSetupError, NinjaOneState, type TicketActivity } from './ninjaone-state';
import { OpenApiContract } from './openapi-contract';
import { handleOperation, type ApiResult } from './rest-handlers';
import { WebhookSender } from './webhook-sender';
import type { Delivery, FakeNinjaOneOptions, RecordedRequest } from './types';

export type * from './types';
export { FakeSetupError } from './ninjaone-state';

const SCOPES = ['monitoring', 'management', 'control'];
let sharedContract: OpenApiContract | undefined;

export class FakeNinjaOne extends LoopbackFake<never> {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly state: NinjaOneState;
  /** Access tokens issued, with when they expire (ms) and their scopes. */
  readonly tokens = new Map<string, { until: number; scopes: string[] }>();
  tokenRequests = 0;
  private readonly contract: OpenApiContract;
  private readonly sender: WebhookSender;
  private readonly failures: { status: number; body?: unknown }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: FakeNinjaOneOptions) {
    super();
    // Compiling the description's schemas takes a moment: once per process.
    sharedContract ??= new OpenApiContract();
    this.contract = sharedContract;
    this.state = new NinjaOneState(options);
    this.sender = new WebhookSender(() => this.state.webhook);
  }

  protected override requestListener(): RequestListener {
    return rawBodyApp('5mb', (req, res) => this.handle(req, res));
  }

  override async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await super.stop();
  }

  // ---- control API (the people's side) ----------------------------------------------------------

  /** An end user or technician files a ticket; the description is the first log entry. */
  async createTicket(
    asUid: string,
    input: Parameters<NinjaOneState['createTicket']>[1],
  ): Promise<{ id: number; delivery?: Delivery }> {
    const a = this.state.createTicket(asUid, input);
    const delivery = await this.sender.send(a);
    return { id: a.ticketId, ...(delivery ? { delivery } : {}) };
  }

  /** A technician changes the status in the ticket view. */
  async setStatusAs(asUid: string, ticketId: number, statusId: number): Promise<Delivery | undefined> {
    if (this.state.requireUser(asUid).userType !== 'TECHNICIAN')
      throw new FakeSetupError(`FakeNinjaOne: ${asUid} is no technician and cannot change a status`);
    if (!this.state.status(statusId)) throw new FakeSetupError(`FakeNinjaOne: no status ${statusId}`);
    const a = this.state.setStatus(asUid, this.state.requireTicket(ticketId), statusId);
    return a ? this.sender.send(a) : undefined;
  }

  async commentAs(asUid: string, ticketId: number, body: string, isPublic = true): Promise<Delivery | undefined> {
    return this.sender.send(this.state.comment(asUid, this.state.requireTicket(ticketId), body, undefined, isPublic));
  }

  /** Someone else saves the ticket (a field edit): its version moves on. */
  touch(ticketId: number): void {
    this.state.requireTicket(ticketId).version++;
  }

  redeliverLast(): Promise<Delivery | undefined> {
    return this.sender.redeliverLast();
  }

  /** A delivery about `ticketId` whose custom header is wrong, or missing. */
  deliverForged(ticketId: number, header: 'wrong' | 'missing' = 'wrong'): Promise<Delivery | undefined> {
    const t = this.state.requireTicket(ticketId);
    return this.sender.send(
      { ticketId, statusCode: 'NINJA_TICKETING_UPDATED', organizationId: t.clientId },
      { header },
    );
  }

  /** Every token issued so far stops working (a revoked client secret, a clock jump). */
  expireTokens(): void {
    for (const t of this.tokens.values()) t.until = 0;
  }

  /** The next `count` API calls fail with `status` before anything else. */
  failNext(count: number, status: number, body?: unknown): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, body });
  }

  // ---- inspection -------------------------------------------------------------------------------

  statusOf(ticketId: number): number {
    return this.state.requireTicket(ticketId).statusId;
  }

  /** Comments on a ticket, oldest first, with who wrote them (undefined: the API client). */
  comments(ticketId: number) {
    return this.state.logEntries
      .filter((e) => e.ticketId === ticketId && e.type === 'COMMENT')
      .map((e) => ({ by: e.appUserContactUid, body: e.body, htmlBody: e.htmlBody, public: e.publicEntry }));
  }

  get deliveries(): readonly { body: string; status: number }[] {
    return this.sender.deliveries;
  }

  // ---- HTTP -------------------------------------------------------------------------------------

  private handle(req: Request, res: Response): void {
    const url = new URL(req.originalUrl, 'http://fake.invalid');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const raw = Buffer.isBuffer(req.body) && req.body.length ? req.body : undefined;
    const contentType = String(req.headers['content-type'] ?? '');
    let body: unknown;
    if (raw && /json/i.test(contentType)) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = Symbol('malformed');
      }
    }
    const entry: RecordedRequest = { method: req.method, path: url.pathname, query, body, status: 0 };
    this.requests.push(entry);
    const reply = (r: ApiResult) => {
      entry.status = r.status;
      res.status(r.status);
      if (r.body === undefined) res.end();
      else res.json(r.body);
    };
    const violation = (m: string) => this.violations.push(`${req.method} ${url.pathname}: ${m}`);

    if (url.pathname === '/ws/oauth/token') return reply(this.token(req.method, contentType, raw, violation));

    const failure = this.failures.shift();
    if (failure) return reply({ status: failure.status, body: failure.body ?? { errorMessage: 'Fake failure' } });

    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = auth ? this.tokens.get(auth) : undefined;
    if (!token || token.until <= Date.now()) {
      // Not a violation: an expired token is a normal event the client must handle with one refresh.
      return reply({
        status: 401,
        body: { error: 'invalid_token', error_description: 'Access token expired or invalid' },
      });
    }

    const match = this.contract.match(req.method, url.pathname);
    if (match.kind === 'unknown-path') {
      violation('no such operation in the OpenAPI description');
      return reply({ status: 404, body: { errorMessage: 'Not found' } });
    }
    if (match.kind === 'method-not-allowed') {
      violation(`method not allowed (the description has ${match.allowed.join(', ')})`);
      return reply({ status: 405, body: { errorMessage: 'Method not allowed' } });
    }
    const problems = [
      ...this.contract.queryProblems(match.operation, query),
      ...(this.contract.acceptsMultipart(match.operation)
        ? []
        : typeof body === 'symbol'
          ? ['the body is not valid JSON']
          : this.contract.bodyProblems(match.operation, contentType, body, Boolean(raw))),
    ];
    if (problems.length) {
      violation(problems.join('; '));
      return reply({ status: 400, body: { error: 'VALIDATION_ERROR', errorMessage: problems.join('; ') } });
    }
    const emitted: TicketActivity[] = [];
    let result: ApiResult;
    try {
      result = handleOperation(
        {
          method: req.method,
          operationId: match.operation.operationId,
          params: match.params,
          query,
          body,
          raw,
          contentType,
        },
        this.state,
        {
          contract: this.contract,
          violation,
          emit: (a) => emitted.push(a),
          scheduleRun: (finish) => {
            const timer = setTimeout(() => {
              this.timers.delete(timer);
              finish();
            }, this.options.scriptDelayMs ?? 50);
            this.timers.add(timer);
          },
        },
      );
    } catch (err) {
      violation(`FAKE BUG: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      result = { status: 500, body: { errorMessage: 'Internal error (fake)' } };
    }
    reply(result);
    if (this.options.echoOwnEvents !== false && emitted.length) {
      const p = (async () => {
        for (const a of emitted) await this.sender.send(a);
      })().catch((e: unknown) => violation(`FAKE BUG delivering: ${e instanceof Error ? e.message : String(e)}`));
      this.trackDelivery(p);
    }
  }

  /** OAuth 2.0 client credentials (RFC 6749 §4.4), form-encoded, as NinjaOne's token endpoint takes them. */
  private token(
    method: string,
    contentType: string,
    raw: Buffer | undefined,
    violation: (m: string) => void,
  ): ApiResult {
    this.tokenRequests++;
    if (method !== 'POST') {
      violation('the token endpoint takes POST');
      return { status: 405, body: { error: 'invalid_request' } };
    }
    if (!/^application\/x-www-form-urlencoded/i.test(contentType)) {
      violation(`the token request must be form-encoded, not ${contentType || 'untyped'}`);
      return { status: 400, body: { error: 'invalid_request' } };
    }
    const form = new URLSearchParams(raw?.toString('utf8') ?? '');
    if (form.get('grant_type') !== 'client_credentials') {
      violation(`grant_type ${form.get('grant_type')} (credgate uses client_credentials)`);
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    if (form.get('client_id') !== this.options.clientId || form.get('client_secret') !== this.options.clientSecret)
      return { status: 401, body: { error: 'invalid_client' } };
    const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const bad = scopes.filter((s) => !SCOPES.includes(s));
    if (!scopes.length || bad.length) {
      violation(`scope "${form.get('scope')}": expected some of ${SCOPES.join(' ')}`);
      return { status: 400, body: { error: 'invalid_scope' } };
    }
    const lifetime = this.options.tokenLifetime ?? 3600;
    const accessToken = randomBytes(24).toString('base64url');
    this.tokens.set(accessToken, { until: Date.now() + lifetime * 1000, scopes });
    return {
      status: 200,
      body: { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, scope: scopes.join(' ') },
    };
  }
}
