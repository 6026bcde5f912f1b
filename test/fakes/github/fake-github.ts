/**
 * A stateful fake GitHub (REST API v3 for issues, comments, events, labels, team memberships,
 * repository permissions and GitHub App installation tokens; `issues` and `issue_comment`
 * webhooks) for credgate's end-to-end tests.
 *
 * Each request goes through GitHub's checks in order: User-Agent present, API version supported,
 * a known route, valid credentials (token or app JWT, per route), planned failures, rate limits,
 * JSON body, then the route's own checks. A request real GitHub would reject gets the same answer
 * and lands in `violations`. Tests drive the people's side through the control API (openIssue,
 * commentAs, closeAs, labelAs...), which mutates state and delivers webhooks like GitHub.
 */
import type { RequestListener } from 'node:http';
import type { Request, Response } from 'express';
import { LoopbackFake, rawBodyApp, type BaseUrlHolder } from '../loopback-fake';
import { prismValidator, type PrismValidator } from '../prism-validator';
import { FakeAuth, type AuthResult, type Credential } from './fake-auth';
import { GithubState, type Emitted, type StoredHook } from './github-state';
import { issueJson, webhookPayload } from './github-json';
import { RateLimits } from './rate-limits';
import { ROUTES, notFound, type RouteResult } from './rest-routes';
import { WebhookSender } from './webhook-sender';
import type {
  DeliverOptions,
  Delivery,
  FakeGithubOptions,
  NewIssue,
  RecordedDelivery,
  RecordedRequest,
  WebhookTarget,
} from './types';

export type * from './types';
export { FakeSetupError } from './github-state';
export { signature256 } from './webhook-sender';

const SUPPORTED_VERSIONS = ['2022-11-28', '2026-03-10'];
const DOCS = 'https://docs.github.com/rest';

interface PlannedFailure {
  status: number;
  headers: Record<string, string>;
  message: string;
}

export class FakeGitHub extends LoopbackFake<WebhookTarget> {
  /** Every REST call credgate made, in order (failed and rejected ones included). */
  readonly requests: RecordedRequest[] = [];
  /** Every call real GitHub would have rejected (or that broke its rules), with why. */
  readonly violations: string[] = [];

  private readonly state: GithubState;
  private readonly auth: FakeAuth;
  private readonly rates: RateLimits;
  private readonly sender: WebhookSender;
  private readonly failures: PlannedFailure[] = [];
  private secondaryNext: number | null = null;

  private prism: PrismValidator | undefined;

  constructor(private readonly options: FakeGithubOptions) {
    super(options.webhook);
    const now = options.now ?? (() => new Date());
    this.state = new GithubState(options, now);
    this.auth = new FakeAuth(options.tokens ?? {}, options.app, now);
    this.rates = new RateLimits(options.rateLimit ?? 5000, now);
    this.sender = new WebhookSender(() => this.webhookTarget, this.state.nextId());
  }

  // ---- lifecycle (start, stop, baseUrl, setWebhook, idle: LoopbackFake) ----------------------

  protected override requestListener(): RequestListener {
    return rawBodyApp('10mb', (req, res) => void this.validateThenHandle(req, res));
  }

  override async start(): Promise<string> {
    if (this.options.prism !== false) this.prism ??= await prismValidator('github');
    return super.start();
  }

  /** Prism judges the request before the fake answers it, so its findings are in `violations` by then. */
  private async validateThenHandle(req: Request, res: Response): Promise<void> {
    // Recorded as arriving now, not after Prism's look: tests time credgate's retries by it.
    const arrivedAt = Date.now();
    if (this.prism) {
      try {
        const found = await this.prism.check({
          method: req.method,
          url: req.originalUrl,
          headers: req.headers,
          body: Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined,
        });
        this.violations.push(...found);
      } catch (error) {
        this.violations.push(`prism unreachable: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.handle(req, res, arrivedAt);
  }

  /** Issue and webhook JSON carry API URLs, which the state renders. */
  protected override baseUrlHolder(): BaseUrlHolder {
    return this.state;
  }

  // ---- control API (the people's side) -------------------------------------------------------

  /** Opens an issue (labels as an issue form applies them); resolves with the `opened` delivery. */
  async openIssue(
    as: string,
    repoName: string,
    input: NewIssue,
  ): Promise<{ ticket: string; number: number; delivery?: Delivery }> {
    const [owner, name] = repoName.split('/');
    const repo = this.state.repo(owner, name);
    if (!repo) throw new Error(`FakeGitHub: unknown repository '${repoName}'`);
    const { issue, emitted } = this.state.createIssue(as, repo, input);
    const deliveries = await this.deliverAll(emitted);
    return {
      ticket: `${repo.fullName}#${issue.number}`,
      number: issue.number,
      ...(deliveries[0] ? { delivery: deliveries[0] } : {}),
    };
  }

  async commentAs(as: string, ticket: string, body: string): Promise<Delivery | undefined> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return (await this.deliverAll(this.state.comment(this.state.requireUser(as).login, repo, issue, body).emitted))[0];
  }

  async closeAs(
    as: string,
    ticket: string,
    reason: 'completed' | 'not_planned' = 'completed',
  ): Promise<Delivery | undefined> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return (
      await this.deliverAll(this.state.setState(this.state.requireUser(as).login, repo, issue, 'closed', reason))
    )[0];
  }

  async reopenAs(as: string, ticket: string): Promise<Delivery | undefined> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return (await this.deliverAll(this.state.setState(this.state.requireUser(as).login, repo, issue, 'open', null)))[0];
  }

  async labelAs(as: string, ticket: string, label: string): Promise<Delivery | undefined> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return (await this.deliverAll(this.state.addLabel(this.state.requireUser(as).login, repo, issue, label)))[0];
  }

  async unlabelAs(as: string, ticket: string, label: string): Promise<Delivery | undefined> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return (
      await this.deliverAll(this.state.removeLabel(this.state.requireUser(as).login, repo, issue, label) ?? [])
    )[0];
  }

  async editAs(
    as: string,
    ticket: string,
    fields: { title?: string; body?: string | null },
  ): Promise<Delivery | undefined> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return (await this.deliverAll(this.state.edit(this.state.requireUser(as).login, repo, issue, fields)))[0];
  }

  /** Sends any payload (an example, a forged one) as a webhook of `event`. */
  deliver(event: string, payload: Record<string, unknown>, opts: DeliverOptions = {}): Promise<Delivery | undefined> {
    return this.sender.send(event, payload, { type: 'repository', id: 1 }, opts);
  }

  /** Sends the last delivery again: same body, same X-GitHub-Delivery. */
  redeliverLast(): Promise<Delivery | undefined> {
    return this.sender.redeliverLast();
  }

  /** The next authenticated REST call fails with `status` (and headers, e.g. Retry-After). */
  failNext(
    count: number,
    status: number,
    headers: Record<string, string> = {},
    message = `Fake failure (HTTP ${status}).`,
  ): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers, message });
  }

  /** The next authenticated REST call hits a secondary rate limit asking to wait `retryAfterSeconds`. */
  secondaryLimitNext(retryAfterSeconds: number): void {
    this.secondaryNext = retryAfterSeconds;
  }

  /** Every credential has used its primary rate limit until `resetInMs` from now. */
  exhaustRateLimit(resetInMs: number): void {
    this.rates.exhaust(resetInMs);
  }

  /** Installation tokens stop working (expired or revoked), as GitHub answers 401 to them then. */
  revokeInstallationTokens(): void {
    this.auth.revokeInstallationTokens();
  }

  // ---- inspection --------------------------------------------------------------------------

  /** The issue as GET /repos/{owner}/{repo}/issues/{number} returns it. */
  issueJson(ticket: string): Record<string, unknown> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return issueJson(this.state, repo, issue);
  }

  /** An `issues` payload about the issue as it is now (for forged or hand-made deliveries). */
  issuesPayload(ticket: string, action: string, sender: string): Record<string, unknown> {
    const { repo, issue } = this.state.requireTicket(ticket);
    return webhookPayload(
      this.state,
      { event: 'issues', action, repo, issue, sender },
      this.installationFor(repo.owner),
    );
  }

  labels(ticket: string): string[] {
    return [...this.state.requireTicket(ticket).issue.labels];
  }

  issueState(ticket: string): { state: 'open' | 'closed'; reason: string | null } {
    const { issue } = this.state.requireTicket(ticket);
    return { state: issue.state, reason: issue.stateReason };
  }

  /** Comments as stored: author login and Markdown body. */
  comments(ticket: string): { user: string; body: string }[] {
    return this.state.requireTicket(ticket).issue.comments.map((c) => ({ user: c.user, body: c.body }));
  }

  events(ticket: string): { actor: string; event: string; label?: string }[] {
    return this.state
      .requireTicket(ticket)
      .issue.events.map((e) => ({ actor: e.actor, event: e.event, ...(e.label ? { label: e.label.name } : {}) }));
  }

  /** Installation tokens minted so far. */
  get installationTokensIssued(): number {
    return this.auth.issued;
  }

  /** The repository's webhooks as stored (secrets included, which the API never shows). */
  hooksOf(fullName: string): readonly StoredHook[] {
    const [owner, name] = fullName.split('/') as [string, string];
    const repo = this.state.repo(owner, name);
    if (!repo) throw new Error(`FakeGitHub: no repository ${fullName}`);
    return repo.hooks;
  }

  get deliveries(): readonly RecordedDelivery[] {
    return this.sender.deliveries;
  }

  /** Forgets recorded requests and violations (state is kept). */
  clearRecords(): void {
    this.requests.length = 0;
    this.violations.length = 0;
  }

  // ---- deliveries --------------------------------------------------------------------------

  private installationFor(owner: string): number | null {
    return this.options.app ? this.auth.installationFor(owner) : null;
  }

  /** Renders every payload now (GitHub snapshots the issue when the event happens), then sends in order. */
  private async deliverAll(emitted: Emitted[]): Promise<(Delivery | undefined)[]> {
    const rendered = emitted.map((e) => {
      const installation = this.installationFor(e.repo.owner);
      const target = installation
        ? { type: 'integration', id: this.options.app?.id ?? 0 }
        : { type: 'repository', id: e.repo.id };
      return { event: e.event, payload: webhookPayload(this.state, e, installation), target };
    });
    const out: (Delivery | undefined)[] = [];
    for (const r of rendered) out.push(await this.sender.send(r.event, r.payload, r.target));
    return out;
  }

  // ---- REST --------------------------------------------------------------------------------

  private handle(req: Request, res: Response, arrivedAt: number): void {
    const url = new URL(req.originalUrl, 'http://fake.invalid');
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    const raw = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    const entry: RecordedRequest = {
      method: req.method,
      path: url.pathname,
      query,
      body: undefined,
      status: 0,
      as: '',
      at: arrivedAt,
    };
    this.requests.push(entry);
    const reply = (result: RouteResult, extra: Record<string, string> = {}): void => {
      entry.status = result.status;
      res
        .status(result.status)
        .set({ 'X-GitHub-Media-Type': 'github.v3; format=json', ...extra, ...(result.headers ?? {}) });
      if (result.body === undefined) res.end();
      else res.json(result.body);
    };
    const reject = (status: number, message: string, why: string, headers: Record<string, string> = {}): void => {
      this.violations.push(`${req.method} ${url.pathname}: ${why}`);
      reply({ status, body: { message, documentation_url: DOCS, status: String(status) }, headers });
    };

    if (!req.headers['user-agent']) {
      return reject(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).',
        'no User-Agent header',
      );
    }
    const version = req.headers['x-github-api-version'];
    if (typeof version === 'string' && !SUPPORTED_VERSIONS.includes(version))
      return reject(400, `API version '${version}' is not supported.`, `unsupported X-GitHub-Api-Version ${version}`);

    const path = url.pathname;
    const candidates = ROUTES.filter((r) => r.pattern.test(path));
    const route = candidates.find((r) => r.method === req.method);
    // GitHub answers 404 both to unknown paths and to methods a path does not support.
    if (!route)
      return reject(
        404,
        'Not Found',
        candidates.length
          ? `method not allowed (allowed: ${candidates.map((r) => r.method).join(', ')})`
          : 'no such endpoint',
      );
    entry.route = route.name;

    const checked: AuthResult =
      route.auth === 'jwt'
        ? this.auth.checkJwt(req.headers.authorization)
        : this.auth.checkToken(req.headers.authorization);
    if (!checked.ok)
      return reject(
        401,
        checked.message,
        `${route.name}: ${checked.message} (${route.auth === 'jwt' ? 'needs the app JWT' : 'needs a token or installation token'})`,
      );
    const credential: Credential = checked.credential;
    const bucket =
      credential.kind === 'user'
        ? credential.login
        : credential.kind === 'installation'
          ? `installation:${credential.installationId}`
          : `app:${credential.appId}`;
    entry.as = bucket;

    const failure = this.failures.shift();
    if (failure)
      return reply(
        {
          status: failure.status,
          body: { message: failure.message, documentation_url: DOCS, status: String(failure.status) },
          headers: failure.headers,
        },
        this.rates.headers(bucket),
      );
    if (this.secondaryNext !== null) {
      this.rates.secondary(bucket, this.secondaryNext);
      this.secondaryNext = null;
    }
    const verdict = this.rates.take(bucket);
    if (!verdict.ok) {
      if (verdict.violation) this.violations.push(`${req.method} ${url.pathname}: ${verdict.violation}`);
      return reply({
        status: verdict.status,
        body: {
          message: verdict.message,
          documentation_url: 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api',
          status: '403',
        },
        headers: verdict.headers,
      });
    }
    const limits = this.rates.headers(bucket);

    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        this.violations.push(`${req.method} ${url.pathname}: body is not JSON`);
        return reply(
          { status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS, status: '400' } },
          limits,
        );
      }
    }
    entry.body = body;

    const emitted: Emitted[] = [];
    let result: RouteResult;
    try {
      const params = Object.fromEntries(
        Object.entries(route.pattern.exec(path)?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]),
      );
      result = route.handle({
        state: this.state,
        auth: this.auth,
        app: this.options.app,
        credential,
        params,
        query,
        body,
        url,
        emit: (e) => emitted.push(...e),
        violation: (message) => this.violations.push(`${req.method} ${url.pathname}: ${message}`),
      });
    } catch (error) {
      // A bug in the fake, not in credgate: make it loud.
      this.violations.push(
        `FAKE BUG on ${req.method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      result = { status: 500, body: { message: 'Server Error (fake)' } };
    }
    if (result.status === 404 && !result.body) result = notFound();
    reply(result, limits);
    if (this.options.echoOwnEvents && emitted.length) {
      // GitHub delivers webhooks asynchronously, after answering the REST call.
      const delivery = this.deliverAll(emitted).catch((error: unknown) => {
        this.violations.push(
          `FAKE BUG delivering echo webhook: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      this.trackDelivery(delivery);
    }
  }
}
