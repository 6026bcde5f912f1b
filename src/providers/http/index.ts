import axios, { type AxiosInstance } from 'axios';
import { CredgateError } from '../../util/errors';
import { formatZodError } from '../../util/format-zod-error';
import type { Logger } from '../../util/logger';
import { parseDuration } from '../../policy/parse-duration';
import { toAccountState } from '../command/program-answer';
import { accountValues, requestValues, type PlaceholderValues, type ProviderOperation } from '../template-args';
import type { AccessProvider, ProviderResult } from '../types';
import type { AccessTarget } from '../../domain/access-target';
import { parseJson, readField } from './answer-fields';
import { networkFailure, statusFailure } from './call-failure';
import { compileBody, compileHeaders, compileUrl, type Json } from './render-request';
import { httpProviderSchema, type HttpProviderConfig, type HttpProviderInput } from './schema';
import { signRequest } from './sign-request';
import { elapsedMs, systemClock } from '../../util/clock';

export { httpProviderSchema, type HttpProviderConfig, type HttpProviderInput } from './schema';

export interface HttpProviderDeps {
  log: Logger;
  /** For the signature's timestamp. Default: the system clock. */
  clock?: () => Date;
}

/** The most of an answer credgate reads (a rotate answer or an error explanation is far smaller). */
const MAX_ANSWER_BYTES = 1_048_576;

interface CompiledCall {
  method: string;
  url: ReturnType<typeof compileUrl>;
  body?: (values: PlaceholderValues) => Json;
  headers: (values: PlaceholderValues) => Record<string, string>;
  secretField?: string;
  stateField?: string;
}

interface Answer {
  status: number;
  data: string;
  /** "POST https://host/path": audited. */
  request: string;
  /** The request with the provider and operation, for messages. */
  what: string;
}

/** The configured credentials, for the logger to scrub from every line. */
export function httpProviderSecrets(config: HttpProviderConfig): string[] {
  return [config.hmacSecret, config.bearerToken, ...Object.values(config.secretHeaders)].filter(
    (s): s is string => !!s,
  );
}

/**
 * A provider that makes one signed HTTP call per operation: to a small receiver the operator runs
 * next to the directory, or to an RMM's "run script on device" API. Each call carries
 * `Idempotency-Key` (the same on every retry), a timestamp and an HMAC signature over both.
 */
export function createHttpProvider(id: string, input: HttpProviderInput, deps: HttpProviderDeps): AccessProvider {
  const parsed = httpProviderSchema.safeParse(input);
  if (!parsed.success) throw new CredgateError('config', formatZodError(parsed.error, `providers.${id}`));
  const config = parsed.data;
  const clock = deps.clock ?? systemClock;
  const secrets = httpProviderSecrets(config);
  const http: AxiosInstance = axios.create({
    timeout: parseDuration(config.timeout)!,
    // A redirect would carry the bearer token and the signed body to wherever it points.
    maxRedirects: 0,
    maxContentLength: MAX_ANSWER_BYTES,
    responseType: 'text',
    // The body is serialised once, here, and signed as sent: axios must not re-encode it.
    transformRequest: [(data: unknown) => data],
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });

  const calls = new Map<ProviderOperation, CompiledCall>();
  for (const op of ['grant', 'revoke', 'rotate', 'inspect', 'disable'] as const) {
    const c = config[op];
    if (!c) continue;
    calls.set(op, {
      method: c.method,
      url: compileUrl(c.url, op),
      ...(c.body !== undefined ? { body: compileBody(c.body as Json, op) } : {}),
      headers: compileHeaders(c.headers, op),
      ...('secretField' in c ? { secretField: c.secretField } : {}),
      ...('stateField' in c && c.stateField ? { stateField: c.stateField } : {}),
    });
  }
  const callFor = (op: ProviderOperation): CompiledCall => {
    const call = calls.get(op);
    if (!call) throw new CredgateError('config', `provider "${id}" has no ${op} call (providers.${id}.${op})`);
    return call;
  };

  /** Sends one call; resolves with any answer, throws only when none came. */
  async function send(
    op: ProviderOperation,
    values: PlaceholderValues,
    idempotencyKey: string,
    logRef: Record<string, string>,
  ): Promise<Answer> {
    const call = callFor(op);
    const url = call.url.render(values);
    const parsedUrl = new URL(url);
    // Names the call in messages and the audit: no query (it may hold anything), no header.
    const request = `${call.method} ${parsedUrl.origin}${parsedUrl.pathname}`;
    const what = `provider "${id}": ${op} ${request}`;
    const body = call.body ? JSON.stringify(call.body(values)) : '';
    const timestamp = String(Math.floor(clock().getTime() / 1000));
    const headers: Record<string, string> = {
      ...call.headers(values),
      Accept: 'application/json',
      'Idempotency-Key': idempotencyKey,
      [config.timestampHeader]: timestamp,
      ...(call.body ? { 'Content-Type': 'application/json' } : {}),
      ...(config.hmacSecret ? { [config.signatureHeader]: signRequest(config.hmacSecret, timestamp, body) } : {}),
      ...(config.bearerToken ? { Authorization: `Bearer ${config.bearerToken}` } : {}),
      ...config.secretHeaders,
    };
    const started = clock();
    let status: number;
    let data: string;
    let answerHeaders: Record<string, unknown>;
    try {
      const res = await http.request<string>({
        method: call.method,
        url,
        headers,
        ...(call.body ? { data: body } : {}),
      });
      status = res.status;
      data = typeof res.data === 'string' ? res.data : '';
      // AxiosHeaders: retryAfterMs wants a plain record.
      answerHeaders = { ...(res.headers as { toJSON?: () => Record<string, unknown> }).toJSON?.() };
    } catch (err) {
      const error = networkFailure(what, err, config.timeout);
      deps.log.warn({ provider: id, operation: op, durationMs: elapsedMs(clock, started), ...logRef }, error.message);
      throw error;
    }
    if (status < 200 || status >= 300) {
      if (op === 'inspect' && status === 404) return { status, data, request, what };
      const error = statusFailure(what, status, answerHeaders, data, secrets);
      deps.log.warn(
        { provider: id, operation: op, status, durationMs: elapsedMs(clock, started), ...logRef },
        error.message,
      );
      throw error;
    }
    deps.log.info(
      { provider: id, operation: op, status, durationMs: elapsedMs(clock, started), ...logRef },
      'http provider call succeeded',
    );
    return { status, data, request, what };
  }

  const detail = (answer: Answer): Record<string, string> => ({
    request: answer.request,
    status: String(answer.status),
  });

  async function simple(
    op: ProviderOperation,
    values: PlaceholderValues,
    key: string,
    logRef: Record<string, string>,
  ): Promise<ProviderResult> {
    return { detail: detail(await send(op, values, key, logRef)) };
  }

  /** Reviews act with no request behind them: the key is the same for the same account and binding. */
  const accountKey = (op: ProviderOperation, target: AccessTarget, account: string) =>
    `${op}:${id}:${target.binding}:${account}`;

  const provider: AccessProvider = {
    id,
    type: 'http',
    grant: (ctx) => simple('grant', requestValues(ctx), ctx.idempotencyKey, { requestId: ctx.requestId }),
    revoke: (ctx) => simple('revoke', requestValues(ctx), ctx.idempotencyKey, { requestId: ctx.requestId }),
    async rotate(ctx) {
      const call = callFor('rotate');
      const answer = await send('rotate', requestValues(ctx), ctx.idempotencyKey, { requestId: ctx.requestId });
      const secret = readField(parseJson(answer.data), call.secretField!);
      if (typeof secret !== 'string' || !secret.length) {
        // The answer itself is not quoted: it may hold the secret under another name.
        throw new CredgateError(
          'permanent',
          `${answer.what} answered ${answer.status} but with no text at "${call.secretField}"`,
        );
      }
      return { secret: { label: `password for ${ctx.facts.account}`, value: secret }, detail: detail(answer) };
    },
  };
  if (calls.has('inspect')) {
    provider.inspect = async (target, account) => {
      const answer = await send('inspect', accountValues(target, account), accountKey('inspect', target, account), {
        account,
      });
      if (answer.status === 404) return { account, exists: false, enabled: false, expiresAt: null, lastUsedAt: null };
      const json = parseJson(answer.data);
      const field = callFor('inspect').stateField;
      const state = toAccountState(field ? readField(json, field) : json, account);
      if (!state)
        throw new CredgateError(
          'permanent',
          `${answer.what} answered ${answer.status} but not with {"exists": true|false, "enabled": ...}`,
        );
      return state;
    };
  }
  if (calls.has('disable')) {
    provider.disable = (target, account, reason) =>
      simple('disable', accountValues(target, account, reason), accountKey('disable', target, account), { account });
  }
  return provider;
}
