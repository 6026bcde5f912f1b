import { createHash } from 'node:crypto';
import axios, { type AxiosInstance, type AxiosResponse, type Method } from 'axios';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { retryAfterMs } from '../../src/util/retry-after';
import type { GithubConfig } from './schema';
import { failureOf } from '../kit';

/** One REST call: `what` names it in errors and logs (never a header or a token). */
export interface GithubRequest {
  method: Method;
  /** A path under the API URL, or an absolute URL on the same origin (pagination links). */
  url: string;
  /** The Authorization header value. */
  auth: string;
  params?: Record<string, string | number>;
  data?: unknown;
  what: string;
}

export interface GithubHttp {
  send<T>(req: GithubRequest): Promise<{ data: T; headers: Record<string, unknown> }>;
  /** Every page of a list endpoint, following `Link: <...>; rel="next"`. */
  paginate<T>(req: GithubRequest): Promise<T[]>;
}

// https://docs.github.com/en/rest/about-the-rest-api/api-versions
const API_VERSION = '2022-11-28';
const SECONDARY_LIMIT_WAIT_MS = 60_000;

/**
 * The HTTP layer under every GitHub call: headers GitHub requires, pagination, and the one place
 * GitHub's statuses become CredgateError kinds. It honours rate limits
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api): once a
 * response says `x-ratelimit-remaining: 0`, or a secondary limit asks to wait (`retry-after`),
 * calls with that credential fail as transient without being sent until the wait is over, because
 * GitHub may ban an integration that keeps calling while limited.
 */
export function createGithubHttp(
  config: Pick<GithubConfig, 'apiUrl' | 'requestTimeout'>,
  now: () => number,
): GithubHttp {
  const base = config.apiUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const http: AxiosInstance = axios.create({
    baseURL: base,
    timeout: parseDuration(config.requestTimeout) ?? 10_000,
    headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': API_VERSION, 'User-Agent': 'credgate' },
    validateStatus: () => true,
  });
  /** Per credential (a digest of it, never the token): when calls may resume. */
  const blockedUntil = new Map<string, number>();

  async function send<T>(req: GithubRequest): Promise<{ data: T; headers: Record<string, unknown> }> {
    const bucket = createHash('sha256').update(req.auth).digest('hex').slice(0, 16);
    const wait = (blockedUntil.get(bucket) ?? 0) - now();
    if (wait > 0) {
      throw new CredgateError(
        'transient',
        `GitHub rate limit: ${req.what} waits ${Math.ceil(wait / 1000)}s before calling again`,
        { retryAfterMs: wait },
      );
    }
    let res: AxiosResponse;
    try {
      res = await http.request({
        method: req.method,
        url: req.url,
        params: req.params,
        data: req.data,
        headers: { Authorization: req.auth },
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'network error';
      throw new CredgateError('transient', `GitHub could not be reached (${req.what}): ${code}`);
    }
    const headers = res.headers as Record<string, unknown>;
    const error = res.status >= 400 ? toCredgateError(req.what, res.status, headers, res.data, now()) : null;
    const resume = resumeAt(res.status, headers, error, now());
    if (resume !== null) blockedUntil.set(bucket, resume);
    if (error) throw error;
    return { data: res.data as T, headers };
  }

  async function paginate<T>(req: GithubRequest): Promise<T[]> {
    const all: T[] = [];
    let next: GithubRequest | null = { ...req, params: { per_page: 100, ...req.params } };
    for (let page = 1; next; page++) {
      const { data, headers } = await send<T[]>(next);
      if (!Array.isArray(data))
        throw new CredgateError('permanent', `GitHub answered ${req.what} with something other than a list`);
      all.push(...data);
      const link = nextLink(headers.link);
      // Follow only links on the API's own origin: the Authorization header goes with them.
      next =
        link && new URL(link).origin === origin && page < 100
          ? { ...req, url: link, params: undefined, what: `${req.what} (page ${page + 1})` }
          : null;
    }
    return all;
  }

  return { send, paginate };
}

/** When a credential may call again, from a response's rate-limit headers; null when not limited. */
function resumeAt(
  status: number,
  headers: Record<string, unknown>,
  error: CredgateError | null,
  nowMs: number,
): number | null {
  if (String(headers['x-ratelimit-remaining'] ?? '') === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset) && reset * 1000 > nowMs) return reset * 1000;
  }
  if (error?.kind === 'transient' && (status === 403 || status === 429) && error.details.retryAfterMs !== undefined)
    return nowMs + error.details.retryAfterMs;
  return null;
}

/** The `rel="next"` URL of a Link header (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api). */
export function nextLink(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part);
    if (m && m[2].split(/\s+/).includes('next')) return m[1];
  }
  return null;
}

/** Maps a GitHub error answer to an error kind: the one place GitHub's HTTP statuses are interpreted. */
export function toCredgateError(
  what: string,
  status: number,
  headers: Record<string, unknown>,
  data: unknown,
  nowMs: number,
): CredgateError {
  const detail = githubMessage(data);
  const message = `GitHub answered ${status} to ${what}${detail ? `: ${detail}` : ''}`;
  if (status === 403 || status === 429) {
    // Primary limit: remaining 0, wait for the reset. Secondary: retry-after, else at least a minute.
    const primary = String(headers['x-ratelimit-remaining'] ?? '') === '0';
    const secondary = /secondary rate limit|abuse/i.test(detail);
    if (primary || secondary || headers['retry-after'] !== undefined || status === 429) {
      const wait = retryAfterMs(headers, nowMs) ?? (secondary || status === 429 ? SECONDARY_LIMIT_WAIT_MS : undefined);
      return new CredgateError('transient', message, { retryAfterMs: wait, httpStatus: status });
    }
    return new CredgateError(
      'auth',
      `${message} (the token or app lacks a permission this call needs; see connectors/github/readme.md)`,
      { httpStatus: status },
    );
  }
  // Gone (410): a deleted or transferred issue, like 404.
  if (status === 410) return new CredgateError('not-found', message, { httpStatus: status });
  return failureOf(
    { status, headers, data },
    {
      system: 'GitHub',
      what,
      detail: githubMessage,
      authHint: 'check GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_PRIVATE_KEY',
      now: () => nowMs,
    },
  );
}

/** GitHub's own error text ({message, errors}), cut short: it is for logs, never for comments. */
function githubMessage(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const d = data as { message?: unknown; errors?: unknown };
  const errors = Array.isArray(d.errors)
    ? d.errors.map((e) =>
        typeof e === 'string'
          ? e
          : ((e as { message?: string; code?: string; field?: string })?.message ??
            `${(e as { field?: string })?.field ?? ''} ${(e as { code?: string })?.code ?? ''}`.trim()),
      )
    : [];
  return [typeof d.message === 'string' ? d.message : '', ...errors].filter(Boolean).join('; ').slice(0, 300);
}
