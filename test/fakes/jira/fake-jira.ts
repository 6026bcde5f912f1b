/**
 * A stateful fake Jira (Cloud REST v2 + v3, Cloud webhooks) for credgate's end-to-end tests.
 *
 * Every REST request is checked against contract.json (Atlassian's OpenAPI description, trimmed by
 * scripts/extract-jira-contract.ts): a request real Jira would reject is answered the same way and
 * recorded in `violations`. Tests drive the humans' side through the control API (createIssue,
 * transitionAs, editAs, commentAs, answerApprovalAs), which mutates state and delivers webhooks like
 * Jira Cloud.
 */
import type { RequestListener } from 'node:http';
import type { Request, Response } from 'express';
import { LoopbackFake, rawBodyApp, type BaseUrlHolder } from '../loopback-fake';
import { prismValidator, type PrismValidator } from '../prism-validator';
import { ContractValidator, type ContractProblem } from './contract-validator';
import { FakeSetupError, JiraState, type Mutation } from './jira-state';
import { handlers, type RestResult } from './rest-handlers';
import { approvalAnsweredPayload, webhookPayload } from './webhook-payloads';
import { WebhookSender } from './webhook-sender';
import { issueJson, allFields } from './jira-render';
import { adfToText, isAdfDoc, jiraError } from './jira-format';
import type {
  CreateIssueInput,
  DeliverOptions,
  Delivery,
  FakeApproval,
  FakeComment,
  FakeIssueSnapshot,
  FakeJiraOptions,
  RecordedDelivery,
  RecordedRequest,
  WebhookTarget,
} from './types';

export type * from './types';
export { FakeSetupError } from './jira-state';
export { signature } from './webhook-sender';

interface PlannedFailure {
  status: number;
  headers: Record<string, string>;
  only?: FailureFilter;
}

/** Which calls a planned failure hits (default: any). */
export interface FailureFilter {
  method?: string;
  path?: RegExp;
}

export class FakeJira extends LoopbackFake<WebhookTarget> {
  /** Every REST call credgate made, in order (failed and rejected ones included). */
  readonly requests: RecordedRequest[] = [];
  /** Every contract violation seen; each was also answered with the 4xx Jira would send. */
  readonly violations: string[] = [];

  private readonly state: JiraState;
  private readonly validator = new ContractValidator();
  private readonly sender: WebhookSender;
  private readonly failures: PlannedFailure[] = [];
  private readonly alterations: { only: FailureFilter; alter: (body: unknown) => unknown }[] = [];
  private prism: PrismValidator | undefined;

  constructor(private readonly options: FakeJiraOptions) {
    super(options.webhook);
    this.state = new JiraState(options);
    this.sender = new WebhookSender(() => this.webhookTarget);
  }

  // ---- lifecycle (start, stop, baseUrl, setWebhook, idle: LoopbackFake) ----------------------

  protected override requestListener(): RequestListener {
    return rawBodyApp('10mb', (req, res) => void this.validateThenHandle(req, res));
  }

  override async start(): Promise<string> {
    if (this.options.prism !== false) this.prism ??= await prismValidator('jira');
    return super.start();
  }

  /**
   * Prism judges the request before the fake answers it, so its findings are in `violations` by
   * the time credgate sees the answer. Atlassian publishes v3 only; v2 has the same operations with
   * wiki strings where v3 takes ADF, which the description leaves untyped, so v2 paths are checked
   * as v3. The servicedeskapi has no description here (see README).
   */
  private async validateThenHandle(req: Request, res: Response): Promise<void> {
    // Recorded as arriving now, not after Prism's look: tests time credgate's retries by it.
    const arrivedAt = Date.now();
    const url = req.originalUrl;
    if (this.prism && /^\/rest\/api\/[23]\//.test(url)) {
      try {
        const found = await this.prism.check({
          method: req.method,
          url: url.replace(/^\/rest\/api\/2\//, '/rest/api/3/'),
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

  /** Jira's JSON carries self links, which the state renders. */
  protected override baseUrlHolder(): BaseUrlHolder {
    return this.state;
  }

  // ---- control API (the humans' side) --------------------------------------------------------

  async createIssue(as: string, input: CreateIssueInput): Promise<{ key: string; id: string; delivery?: Delivery }> {
    const mutation = this.state.createIssue(as, input);
    const delivery = await this.deliverMutation(mutation);
    return { key: mutation.issue.key, id: mutation.issue.id, ...(delivery ? { delivery } : {}) };
  }

  /** Moves the issue along the workflow (throws FakeSetupError when the workflow forbids it). */
  async transitionAs(as: string, key: string, toStatusName: string): Promise<Delivery | undefined> {
    this.state.requireUser(as);
    const issue = this.state.requireIssue(key);
    const target = this.state.statusName(toStatusName);
    if (!target) throw new FakeSetupError(`FakeJira: unknown status '${toStatusName}'`);
    if (!this.state.availableTransitions(issue.status).some((t) => t.to === target)) {
      throw new FakeSetupError(`FakeJira: no transition from '${issue.status}' to '${target}'`);
    }
    return this.deliverMutation(this.state.transition(as, issue, target));
  }

  /** Sets fields (summary, description, labels, assignee, customfield_*, ...); no delivery when nothing changed. */
  async editAs(as: string, key: string, fields: Record<string, unknown>): Promise<Delivery | undefined> {
    this.state.requireUser(as);
    const mutation = this.state.edit(as, this.state.requireIssue(key), fields);
    return mutation ? this.deliverMutation(mutation) : undefined;
  }

  async commentAs(as: string, key: string, body: string): Promise<Delivery | undefined> {
    this.state.requireUser(as);
    return this.deliverMutation(this.state.comment(as, this.state.requireIssue(key), body));
  }

  /**
   * Answers the issue's open Jira Service Management approval as that approver (the approval panel).
   * A decision that decides the approval moves the request along the step's approve/decline
   * transition, made as the approver, and that transition's jira:issue_updated is delivered; any
   * other decision delivers a jira:issue_updated without changelog. Throws FakeSetupError when there
   * is no open approval or `as` may not answer it.
   */
  async answerApprovalAs(as: string, key: string, decision: 'approve' | 'decline'): Promise<Delivery | undefined> {
    this.state.requireUser(as);
    const issue = this.state.requireIssue(key);
    const approval = this.state.serviceDesk.openApproval(issue.id);
    if (!approval) throw new FakeSetupError(`FakeJira: ${issue.key} has no open approval (status '${issue.status}')`);
    const result = this.state.serviceDesk.answer(approval, issue.status, as, decision);
    if ('refusal' in result)
      throw new FakeSetupError(
        `FakeJira: ${as} cannot answer approval ${approval.id} of ${issue.key}: ${result.refusal.message}`,
      );
    if (result.moveTo) {
      const target = this.state.statusName(result.moveTo);
      if (!target || !this.state.availableTransitions(issue.status).some((t) => t.to === target)) {
        throw new FakeSetupError(
          `FakeJira: the approval step moves to '${result.moveTo}', but there is no transition from '${issue.status}'`,
        );
      }
      return this.deliverMutation(this.state.transition(as, issue, target));
    }
    return this.sender.send(approvalAnsweredPayload(this.state, issue, as).payload);
  }

  /** Sends the last delivery again with the same body and X-Atlassian-Webhook-Identifier. */
  redeliverLast(): Promise<Delivery | undefined> {
    return this.sender.redeliverLast();
  }

  /** Sends any payload (e.g. a fixture) as a webhook. */
  deliver(payload: object, opts: DeliverOptions = {}): Promise<Delivery | undefined> {
    return this.sender.send(payload, opts);
  }

  /** The next `count` REST calls fail with `status` (and headers, e.g. Retry-After) before anything else. */
  failNext(count: number, status: number, headers: Record<string, string> = {}, only?: FailureFilter): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers, only });
  }

  /**
   * The next successful answer to a matching call has its body changed first: Jira answering data
   * outside its own contract (a changelog entry with `"items": null`), as real sites have. `alter`
   * returns undefined for an answer it does not apply to, which then goes out unchanged.
   */
  alterNextAnswer(only: FailureFilter, alter: (body: unknown) => unknown): void {
    this.alterations.push({ only, alter });
  }

  // ---- inspection --------------------------------------------------------------------------

  issue(key: string): FakeIssueSnapshot {
    const issue = this.state.requireIssue(key);
    const { comment: _comment, ...fields } = allFields(this.state, issue, 2);
    return {
      key: issue.key,
      id: issue.id,
      status: issue.status,
      fields,
      comments: issue.comments.map((c) => ({ ...c })),
      history: issue.histories.map((h) => ({ ...h, items: h.items.map((i) => ({ ...i })) })),
    };
  }

  /** Comment objects; bodies as sent (string for v2 and the control API, ADF for v3). */
  comments(key: string): FakeComment[] {
    return this.state.requireIssue(key).comments.map((c) => ({ ...c }));
  }

  /** Comment bodies as plain text (ADF flattened). */
  commentTexts(key: string): string[] {
    return this.state.requireIssue(key).comments.map((c) => (isAdfDoc(c.body) ? adfToText(c.body) : String(c.body)));
  }

  /** The issue's JSM approvals, oldest first. */
  approvals(key: string): FakeApproval[] {
    return this.state.serviceDesk
      .of(this.state.requireIssue(key).id)
      .map((a) => ({ ...a, approvers: a.approvers.map((p) => ({ ...p })) }));
  }

  statusOf(key: string): string {
    return this.state.requireIssue(key).status;
  }

  /** Every webhook delivery made, with credgate's answer. */
  get deliveries(): readonly RecordedDelivery[] {
    return this.sender.deliveries;
  }

  /** The issue as GET /rest/api/{version}/issue/{key} returns it. */
  issueJson(key: string, version: 2 | 3 = 2): Record<string, unknown> {
    return issueJson(this.state, this.state.requireIssue(key), version);
  }

  /** Forgets recorded requests and violations (state is kept). */
  clearRecords(): void {
    this.requests.length = 0;
    this.violations.length = 0;
  }

  // ---- REST --------------------------------------------------------------------------------

  private deliverMutation(mutation: Mutation): Promise<Delivery | undefined> {
    const { payload } = webhookPayload(this.state, mutation);
    return this.sender.send(payload);
  }

  private handle(req: Request, res: Response, arrivedAt: number): void {
    const url = new URL(req.originalUrl, 'http://fake.invalid');
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const prev = query[name];
      query[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
    }
    const raw = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    let body: unknown;
    let parseError: string | undefined;
    if (raw) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        body = raw.toString('utf8');
        parseError = error instanceof Error ? error.message : String(error);
      }
    }
    const entry: RecordedRequest = { method: req.method, path: url.pathname, query, body, status: 0, at: arrivedAt };
    this.requests.push(entry);
    const reply = (result: RestResult): void => {
      entry.status = result.status;
      res.status(result.status).set(result.headers ?? {});
      if (result.body === undefined) res.end();
      else res.json(result.body);
    };
    const reject = (
      status: number,
      where: string,
      problems: ContractProblem[],
      headers?: Record<string, string>,
    ): void => {
      this.violations.push(`${req.method} ${url.pathname}: ${where}: ${problems.map((p) => p.message).join('; ')}`);
      const errors: Record<string, string> = {};
      for (const p of problems) if (p.field && !(p.field in errors)) errors[p.field] = p.message;
      reply({
        status,
        headers,
        body: jiraError(
          problems.filter((p) => !p.field).map((p) => p.message),
          errors,
        ),
      });
    };

    const planned = this.failures.findIndex(
      (f) => (!f.only?.method || f.only.method === req.method) && (!f.only?.path || f.only.path.test(url.pathname)),
    );
    const failure = planned >= 0 ? this.failures.splice(planned, 1)[0] : undefined;
    if (failure) {
      const message = failure.status === 429 ? 'Rate limit exceeded.' : `Fake failure (HTTP ${failure.status}).`;
      return reply({ status: failure.status, headers: failure.headers, body: jiraError([message]) });
    }
    if (!this.authenticated(req.headers.authorization)) {
      return reply({
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="protected-area"' },
        body: jiraError(['You are not authenticated. Authentication required to perform this operation.']),
      });
    }
    const match = this.validator.match(req.method, url.pathname);
    if (match.kind === 'unknown-path') {
      return reject(404, 'not in the contract', [{ message: `null for uri: ${this.state.baseUrl}${url.pathname}` }]);
    }
    if (match.kind === 'method-not-allowed') {
      return reject(
        405,
        `method not allowed (allowed: ${match.allowed.join(', ')})`,
        [{ message: 'Method Not Allowed' }],
        { Allow: match.allowed.join(', ') },
      );
    }
    const { operation, version, pathParams } = match;
    entry.operationId = operation.operationId;
    if (raw && operation.requestBody && !/json/i.test(req.headers['content-type'] ?? '')) {
      return reject(415, operation.operationId, [
        { message: `Unsupported Media Type: ${req.headers['content-type'] ?? 'none'}` },
      ]);
    }
    if (parseError && operation.requestBody)
      return reject(400, operation.operationId, [{ message: `Unexpected character in JSON: ${parseError}` }]);
    const queryProblems = this.validator.checkQuery(operation, version, query);
    if (queryProblems.length > 0) return reject(400, `${operation.operationId} query`, queryProblems);
    const bodyProblems = this.validator.checkBody(operation, version, operation.requestBody ? body : undefined);
    if (bodyProblems.length > 0) {
      // Jira names the comment as a whole: {"errors":{"comment":"Comment body is not valid!"}}
      const problems =
        operation.operationId === 'addComment'
          ? bodyProblems.map((p) => ({ ...p, field: p.field === 'body' ? 'comment' : p.field }))
          : bodyProblems;
      return reject(400, `${operation.operationId} body (v${version})`, problems);
    }

    const handler = handlers[operation.operationId];
    const emitted: Mutation[] = [];
    let result: RestResult;
    try {
      if (!handler) throw new Error(`no handler for ${operation.operationId}`);
      result = handler({
        version,
        pathParams,
        query,
        body,
        state: this.state,
        fieldNames: this.options.fieldNames ?? {},
        emit: (m) => emitted.push(m),
        violation: (message) => this.violations.push(`${req.method} ${url.pathname}: ${message}`),
      });
    } catch (error) {
      // A bug in the fake, not in credgate: make it loud.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.violations.push(`FAKE BUG on ${req.method} ${url.pathname}: ${message}`);
      result = { status: 500, body: jiraError(['Internal server error (fake)']) };
    }
    if (result.status < 300) {
      for (const [i, a] of this.alterations.entries()) {
        if ((a.only.method && a.only.method !== req.method) || (a.only.path && !a.only.path.test(url.pathname)))
          continue;
        const body = a.alter(structuredClone(result.body));
        if (body === undefined) continue;
        this.alterations.splice(i, 1);
        result = { ...result, body };
        break;
      }
    }
    reply(result);
    if (this.options.echoOwnEvents && emitted.length > 0) {
      // Jira delivers webhooks asynchronously, after answering the REST call.
      const delivery = (async () => {
        for (const m of emitted) await this.deliverMutation(m);
      })().catch((error: unknown) => {
        this.violations.push(
          `FAKE BUG delivering echo webhook: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      this.trackDelivery(delivery);
    }
  }

  private authenticated(header: string | undefined): boolean {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (bearer) return this.options.personalAccessToken !== undefined && bearer[1] === this.options.personalAccessToken;
    const basic = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!basic) return false;
    return Buffer.from(basic[1], 'base64').toString('utf8') === `${this.options.email}:${this.options.apiToken}`;
  }
}
