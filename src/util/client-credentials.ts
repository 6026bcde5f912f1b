import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { CredgateError } from './errors';
import { registerSecret, type Logger } from './logger';

/** Where and how to ask for an OAuth 2.0 access token with the client credentials grant (RFC 6749 §4.4). */
export interface ClientCredentials {
  /** Names the system in messages ("NinjaOne"). */
  system: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Which settings to check after a refusal, said in the error. */
  authHint: string;
  timeoutMs: number;
  /** A token is renewed this long before it expires, so no call goes out with one about to lapse. */
  refreshMarginMs?: number;
  now?: () => number;
  /** For tests: the HTTP client the token request goes through. */
  http?: AxiosInstance;
  /** Learns each token, so it is scrubbed from every log line. */
  log?: Logger;
}

/** A cached access token, fetched once for concurrent callers and renewed before it expires. */
export interface TokenSource {
  get(): Promise<string>;
  /** Forgets `token` (refused with 401): the next get() asks for a new one. */
  invalidate(token: string): void;
}

export function clientCredentialsTokens(c: ClientCredentials): TokenSource {
  const now = c.now ?? Date.now;
  const margin = c.refreshMarginMs ?? 60_000;
  const http = c.http ?? axios.create({ timeout: c.timeoutMs, maxRedirects: 0 });
  let cached: { token: string; until: number } | null = null;
  let inFlight: Promise<string> | null = null;

  const fetchToken = async (): Promise<string> => {
    let res;
    try {
      res = await http.post(
        c.tokenUrl,
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: c.clientId,
          client_secret: c.clientSecret,
          scope: c.scope,
        }).toString(),
        { headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' } },
      );
    } catch (err) {
      const status = (err as { response?: { status?: number; data?: { error?: unknown } } }).response?.status;
      const code = (err as { response?: { data?: { error?: unknown } } }).response?.data?.error;
      if (!status) throw new CredgateError('transient', `${c.system} token endpoint could not be reached`);
      const why = typeof code === 'string' ? ` (${code.slice(0, 40)})` : '';
      if (status === 429 || status >= 500)
        throw new CredgateError('transient', `${c.system} token endpoint answered ${status}${why}`);
      throw new CredgateError('auth', `${c.system} refused the client credentials: ${status}${why}; ${c.authHint}`);
    }
    const body = res.data as { access_token?: unknown; expires_in?: unknown };
    if (typeof body?.access_token !== 'string' || !body.access_token)
      throw new CredgateError('permanent', `${c.system} token endpoint answered without an access_token`);
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600) * 1000;
    // A token is a credential: the logger scrubs it wherever it might appear.
    if (c.log) registerSecret(c.log, body.access_token);
    cached = { token: body.access_token, until: now() + Math.max(lifetimeMs - margin, lifetimeMs / 2) };
    return body.access_token;
  };

  return {
    async get() {
      if (cached && cached.until > now()) return cached.token;
      inFlight ??= fetchToken().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    invalidate(token) {
      if (cached?.token === token) cached = null;
    },
  };
}

type RetriedConfig = InternalAxiosRequestConfig & { __bearerRetried?: boolean; __bearer?: string };

/**
 * Sends every request of `api` with a bearer token from `tokens`. A 401 drops that token and tries
 * once more with a fresh one; a second 401 is an auth error saying so, never a loop.
 */
export function useBearerTokens(api: AxiosInstance, tokens: TokenSource, system: string, authHint: string): void {
  api.interceptors.request.use(async (config: RetriedConfig) => {
    const token = await tokens.get();
    config.__bearer = token;
    config.headers.set('Authorization', `Bearer ${token}`);
    return config;
  });
  api.interceptors.response.use(undefined, async (err: { config?: RetriedConfig; response?: { status?: number } }) => {
    const config = err.config;
    if (err.response?.status !== 401 || !config) throw err;
    if (config.__bearer) tokens.invalidate(config.__bearer);
    if (config.__bearerRetried)
      throw new CredgateError('auth', `${system} refused a freshly issued access token (401 twice): ${authHint}`, {
        httpStatus: 401,
      });
    config.__bearerRetried = true;
    return api.request(config);
  });
}
