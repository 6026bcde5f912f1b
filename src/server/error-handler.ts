import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '../util/logger';
import { isCredgateError } from '../util/errors';

/**
 * The one place errors become HTTP answers: known kinds keep their status and message (written to
 * be safe to show); anything else is a 500 that says nothing about internals.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err as { type?: string; status?: number; limit?: number; expose?: boolean };
    if (e.type === 'entity.too.large') return sendPayloadTooLarge(res, e.limit ?? 0);
    // body-parser's other refusals are http-errors with a 4xx status and no `type`: a body that does
    // not decode under its Content-Encoding ("incorrect header check" from zlib), say.
    const unreadable =
      !isCredgateError(err) && e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500;
    if (
      e.type === 'request.aborted' ||
      e.type === 'request.size.invalid' ||
      e.type === 'encoding.unsupported' ||
      unreadable
    ) {
      res.status(400).json({ error: 'bad-request', message: 'the request body could not be read' });
      return;
    }
    // The router decodes path parameters with decodeURIComponent; a malformed escape (`%E0%A4%A`,
    // a lone `%`) is the client's fault. Its message quotes the raw value, which may be a token.
    if (err instanceof URIError && e.status === 400) {
      res.status(400).json({ error: 'bad-request', message: 'the URL path has a malformed percent-encoding' });
      return;
    }
    if (isCredgateError(err)) {
      const level = err.status >= 500 ? 'error' : 'warn';
      log[level]({ path: req.path, kind: err.kind, status: err.status, err: err.message }, 'request refused');
      res.status(err.status).json({ error: err.kind, message: err.message });
      return;
    }
    log.error({ path: req.path, err: (err as Error)?.message }, 'unexpected error');
    res
      .status(500)
      .json({ error: 'internal', message: 'internal error; nothing was lost, the delivery can be retried' });
  };
}

/** The 413 for a body over the limit, whether body-parser or the Content-Length check found it. */
export function sendPayloadTooLarge(res: Response, limit: number): void {
  res.status(413).json({ error: 'payload-too-large', message: `the body exceeds the limit of ${limit} bytes` });
}
