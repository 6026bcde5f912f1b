/**
 * A stateful fake ServiceNow instance (Table API + credgate's Business Rule) for end-to-end tests.
 *
 * The Table API is served for incident, sys_audit, sys_journal_field, sys_user, sys_user_group,
 * sys_user_grmember and sys_choice, with ServiceNow's paths, methods, query parameters, display
 * values, auth and error bodies. A request a real instance would reject, or silently misread (a
 * query or field the table lacks), is recorded in `violations`. Tests act for people through the
 * control API, which mutates state and delivers the Business Rule's webhook.
 */
import type { RequestListener } from 'node:http';
import type { Request, Response } from 'express';
import { LoopbackFake, rawBodyApp } from '../loopback-fake';
import { FakeSetupError, ServiceNowState, type Mutation } from './servicenow-state';
import { handleTableApi, snError, type ApiResult } from './table-api';
import { WebhookSender, type DeliverOptions } from './webhook-sender';
import type { Delivery, FakeServiceNowOptions, RecordedRequest, WebhookTarget } from './types';

export type * from './types';
export { FakeSetupError } from './servicenow-state';

export class FakeServiceNow extends LoopbackFake<WebhookTarget> {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  private readonly state: ServiceNowState;
  private readonly sender: WebhookSender;
  private readonly failures: { status: number; headers: Record<string, string> }[] = [];

  constructor(private readonly options: FakeServiceNowOptions) {
    super();
    this.state = new ServiceNowState(options);
    this.sender = new WebhookSender(() => this.webhookTarget, options.webhookSecret);
    this.state.requireUser(options.credgate.userName);
  }

  // ---- lifecycle (start, stop, baseUrl, setWebhook, idle: LoopbackFake) ----------------------

  protected override requestListener(): RequestListener {
    return rawBodyApp('5mb', (req, res) => this.handle(req, res));
  }

  // ---- control API (the people's side) --------------------------------------------------------

  /** A person raises an incident (fields by name: short_description, description, category...). */
  async createIncident(
    as: string,
    fields: Record<string, string>,
  ): Promise<{ number: string; sysId: string; delivery?: Delivery }> {
    const user = this.state.requireUser(as);
    const m = this.state.insertIncident(as, { caller_id: user.sys_id, opened_by: user.sys_id, ...fields });
    const delivery = await this.sender.send(this.sender.bodyOf(m));
    return { number: m.number, sysId: m.sysId, ...(delivery ? { delivery } : {}) };
  }

  /** A person changes an incident in the form (state, work_notes, comments...). */
  async updateAs(as: string, number: string, fields: Record<string, string>): Promise<Delivery | undefined> {
    this.state.requireUser(as);
    for (const [field, value] of Object.entries(fields)) {
      if (
        this.state.field('incident', field)?.type === 'choice' &&
        this.state.choiceLabel('incident', field, value) === undefined
      ) {
        throw new FakeSetupError(`FakeServiceNow: "${value}" is not a choice of incident.${field}`);
      }
    }
    const m = this.state.updateIncident(this.state.incident(number), as, fields);
    return m ? this.sender.send(this.sender.bodyOf(m)) : undefined;
  }

  redeliverLast(): Promise<Delivery | undefined> {
    return this.sender.redeliverLast();
  }

  /** Sends any body as the Business Rule would (optionally forged or stale). */
  deliver(payload: object, opts: DeliverOptions = {}): Promise<Delivery | undefined> {
    return this.sender.send(payload, opts);
  }

  /** The Business Rule body for an incident's current state (for forged and stale deliveries). */
  webhookBody(number: string): Record<string, string> {
    const row = this.state.incident(number);
    return {
      sys_id: row.sys_id,
      number: row.number,
      table: 'incident',
      event: 'update',
      updated_by: row.sys_updated_by,
      sys_mod_count: row.sys_mod_count,
    };
  }

  /** The next `count` REST calls fail with `status` (e.g. 429 with Retry-After) before anything else. */
  failNext(count: number, status: number, headers: Record<string, string> = {}): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers });
  }

  // ---- inspection -------------------------------------------------------------------------------

  stateOf(number: string): string {
    return this.state.incident(number).state;
  }

  /** Journal entries of one incident, oldest first. */
  journal(number: string, element = 'work_notes'): { by: string; value: string }[] {
    const sysId = this.state.incident(number).sys_id;
    return [...(this.state.table('sys_journal_field')?.values() ?? [])]
      .filter((j) => j.element_id === sysId && j.element === element)
      .map((j) => ({ by: j.sys_created_by, value: j.value }));
  }

  record(number: string): Record<string, string> {
    return { ...this.state.incident(number) };
  }

  get deliveries(): readonly { body: string; status: number }[] {
    return this.sender.deliveries;
  }

  // ---- REST ---------------------------------------------------------------------------------------

  private handle(req: Request, res: Response): void {
    const url = new URL(req.originalUrl, 'http://fake.invalid');
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k in query) this.violations.push(`${req.method} ${url.pathname}: query parameter ${k} given twice`);
      query[k] = v;
    }
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
      return reply(
        failure.status === 429
          ? snError(
              429,
              'Rate limit exceeded',
              'Rate limit of 10 requests per hour for Table API exceeded',
              failure.headers,
            )
          : snError(failure.status, `Fake failure (HTTP ${failure.status})`, null, failure.headers),
      );
    }
    const user = this.authenticate(req.headers.authorization);
    if (!user) {
      return reply(
        snError(401, 'User Not Authenticated', 'Required to provide Auth information', {
          'WWW-Authenticate': 'BASIC realm="Service-now"',
        }),
      );
    }
    const emitted: Mutation[] = [];
    let result: ApiResult;
    try {
      result = handleTableApi(
        {
          method: req.method,
          path: url.pathname,
          query,
          body,
          rawBody: Boolean(raw),
          contentType: String(req.headers['content-type'] ?? ''),
          user,
          baseUrl: this.baseUrl,
        },
        this.state,
        { violation: (m) => this.violations.push(m), emit: (m) => emitted.push(m) },
      );
    } catch (error) {
      this.violations.push(
        `FAKE BUG on ${req.method} ${url.pathname}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      result = snError(500, 'Internal error (fake)');
    }
    reply(result);
    if (this.options.echoOwnEvents && emitted.length) {
      // The Business Rule fires for API updates too; it runs after the transaction, so after the answer.
      const p = (async () => {
        for (const m of emitted) await this.sender.send(this.sender.bodyOf(m));
      })().catch((e: unknown) =>
        this.violations.push(`FAKE BUG delivering echo webhook: ${e instanceof Error ? e.message : String(e)}`),
      );
      this.trackDelivery(p);
    }
  }

  private authenticate(header: string | undefined): string | null {
    const c = this.options.credgate;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (bearer) return c.token !== undefined && bearer[1] === c.token ? c.userName : null;
    const basic = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!basic) return null;
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    const [name, password] = [decoded.slice(0, sep), decoded.slice(sep + 1)];
    if (name === c.userName && c.password !== undefined && password === c.password) return name;
    const person = this.options.users.find((u) => u.userName === name && u.password !== undefined);
    return person && person.password === password ? name : null;
  }
}
