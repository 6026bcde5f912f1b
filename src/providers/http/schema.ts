import { z } from 'zod';
import { parseDuration } from '../../policy/parse-duration';
import { templateProblem, type ProviderOperation } from '../template-args';
import { bodyProblems, isValidHeaderValue, urlProblem, type Json } from './render-request';

const duration = (fallback: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, 'expected a duration such as "10s" or "1m"')
    .default(fallback);

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const headerName = z.string().regex(HEADER_NAME, 'expected an HTTP header name');
/** `data.password`, `results.0.secret`, `$.secret`: names and array indexes joined by dots. */
const dottedPath = z
  .string()
  .regex(/^(?:\$\.)?[\w-]+(?:\.[\w-]+)*$/, 'expected a dotted path such as data.password or results.0.secret');

/** One outbound call; `url`, header values and the body's string leaves are templates. */
const call = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: z.string().min(1),
    /** A JSON value; its string leaves are templates, its keys are literal. */
    body: z.json().optional(),
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const rotateCall = call.extend({ secretField: dottedPath.default('secret') }).strict();
/** The answer (at `stateField`, default the whole answer) is `{exists, enabled, expiresAt?, lastUsedAt?}`; 404 means no such account. */
const inspectCall = call.extend({ stateField: dottedPath.optional() }).strict();

const OPERATIONS = ['grant', 'revoke', 'rotate', 'inspect', 'disable'] as const satisfies readonly ProviderOperation[];

/**
 * An `http` provider (config `providers.<name>` with `type: http`): one signed HTTP call per
 * operation to a receiver the operator runs or an RMM/IAM API.
 */
export const httpProviderSchema = z
  .object({
    type: z.literal('http'),
    grant: call,
    revoke: call,
    rotate: rotateCall.optional(),
    inspect: inspectCall.optional(),
    disable: call.optional(),
    /** Signs every call: `sha256=<hex HMAC-SHA256(hmacSecret, timestamp + "." + body)>`. */
    hmacSecret: z.string().min(16, 'expected at least 16 characters').optional(),
    signatureHeader: headerName.default('X-Credgate-Signature'),
    timestampHeader: headerName.default('X-Credgate-Timestamp'),
    /** Sent as `Authorization: Bearer <token>`. */
    bearerToken: z.string().min(1).optional(),
    /** Fixed headers holding credentials (`X-Api-Key`): sent on every call, never logged. */
    secretHeaders: z.record(z.string(), z.string().min(1)).default({}),
    timeout: duration('30s'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (!config.hmacSecret && !config.bearerToken && !Object.keys(config.secretHeaders).length) {
      ctx.addIssue({
        code: 'custom',
        path: ['hmacSecret'],
        message: 'set hmacSecret, bearerToken or secretHeaders: an unauthenticated call must not grant access',
      });
    }
    const reserved = new Set(
      [
        config.signatureHeader,
        config.timestampHeader,
        'idempotency-key',
        'content-type',
        ...(config.bearerToken ? ['authorization'] : []),
      ].map((h) => h.toLowerCase()),
    );
    for (const [name, value] of Object.entries(config.secretHeaders)) {
      if (!HEADER_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: ['secretHeaders'], message: `"${name}" is not an HTTP header name` });
      else if (reserved.has(name.toLowerCase()))
        ctx.addIssue({ code: 'custom', path: ['secretHeaders', name], message: `${name} is set by credgate itself` });
      if (!isValidHeaderValue(value))
        ctx.addIssue({
          code: 'custom',
          path: ['secretHeaders', name],
          message: 'holds a line break or control character',
        });
    }
    const secretNames = new Set(Object.keys(config.secretHeaders).map((h) => h.toLowerCase()));
    for (const op of OPERATIONS) {
      const c = config[op];
      if (!c) continue;
      const problem = urlProblem(c.url, op);
      if (problem) ctx.addIssue({ code: 'custom', path: [op, 'url'], message: problem });
      if (c.body !== undefined) {
        if (c.method === 'GET')
          ctx.addIssue({
            code: 'custom',
            path: [op, 'body'],
            message: 'a GET request carries no body: use POST, or put the values in the URL',
          });
        for (const [path, message] of bodyProblems(c.body as Json, op))
          ctx.addIssue({ code: 'custom', path: [op, 'body', ...path], message });
      }
      for (const [name, value] of Object.entries(c.headers)) {
        if (!HEADER_NAME.test(name))
          ctx.addIssue({ code: 'custom', path: [op, 'headers'], message: `"${name}" is not an HTTP header name` });
        else if (reserved.has(name.toLowerCase()) || secretNames.has(name.toLowerCase())) {
          ctx.addIssue({
            code: 'custom',
            path: [op, 'headers', name],
            message: `${name} is set by credgate itself (or by secretHeaders)`,
          });
        }
        const valueProblem = templateProblem(value, op);
        if (valueProblem) ctx.addIssue({ code: 'custom', path: [op, 'headers', name], message: valueProblem });
      }
    }
  });

export type HttpProviderInput = z.input<typeof httpProviderSchema>;
export type HttpProviderConfig = z.output<typeof httpProviderSchema>;
export type HttpCall = z.output<typeof call>;
