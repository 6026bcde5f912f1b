import { httpFailure } from '../kit';
import axios, { type AxiosInstance } from 'axios';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { compileRequestTemplate, type RenderTemplate } from './request-template';
import type { GenericConfig, GenericRequest, GenericRequests } from './schema';
import type { Json, RequestView } from './types';

/**
 * One function per configured request (`generic.api.requests`). Paths and bodies are compiled
 * once, here, at start; each call renders them, sends the request and returns the JSON answer.
 * Every failure becomes a CredgateError here, once, with no header or token in its message.
 */
export interface GenericClient {
  getSelf(): Promise<Json>;
  getTicket(view: RequestView): Promise<Json>;
  getHistory(view: RequestView): Promise<Json>;
  getComments(view: RequestView): Promise<Json>;
  postComment(view: RequestView): Promise<void>;
  setStatus(view: RequestView): Promise<void>;
  getGroups(view: RequestView): Promise<Json>;
}

interface Compiled {
  method: GenericRequest['method'];
  path: RenderTemplate;
  body?: RenderTemplate;
}

function compile(r: Pick<GenericRequest, 'method' | 'path' | 'body'>): Compiled {
  return {
    method: r.method,
    path: compileRequestTemplate(r.path, 'uri'),
    ...(r.body !== undefined ? { body: compileRequestTemplate(r.body, 'json') } : {}),
  };
}

export function createGenericClient(config: GenericConfig, http?: AxiosInstance): GenericClient {
  const requests = config.api?.requests as GenericRequests;
  if (!requests) throw new CredgateError('config', 'generic.api.requests is not configured');
  const api: AxiosInstance =
    http ??
    axios.create({
      baseURL: (config.baseUrl ?? '').replace(/\/+$/, ''),
      timeout: parseDuration(config.requestTimeout) ?? 10_000,
      headers: {
        Accept: 'application/json',
        [config.api!.auth.header]: config.api!.auth.scheme
          ? `${config.api!.auth.scheme} ${config.apiToken ?? ''}`
          : (config.apiToken ?? ''),
      },
      // Redirects would resend the token to wherever they point.
      maxRedirects: 0,
      // Paths are rendered and encoded by credgate; never let them name another host.
      allowAbsoluteUrls: false,
    });

  const compiled = new Map<string, Compiled>();
  for (const [name, r] of Object.entries(requests)) if (r) compiled.set(name, compile(r));

  async function send(name: keyof GenericRequests, view: RequestView | Record<string, never>): Promise<Json> {
    const r = compiled.get(name);
    if (!r) throw new CredgateError('config', `generic.api.requests.${name} is not configured`);
    let path: string;
    let data: string | undefined;
    try {
      path = r.path(view as Record<string, unknown>);
      data = r.body?.(view as Record<string, unknown>);
      if (data !== undefined) JSON.parse(data);
    } catch (err) {
      throw new CredgateError(
        'config',
        `generic.api.requests.${name} cannot be rendered: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    const what = `${r.method} ${name}`;
    try {
      const res = await api.request({
        method: r.method,
        url: path,
        ...(data !== undefined ? { data, headers: { 'Content-Type': 'application/json' } } : {}),
        // The answer is read as JSON by the mapping; an empty answer is fine for writes.
        transformResponse: [(raw: unknown) => parseJson(raw)],
      });
      return res.data as Json;
    } catch (err) {
      throw toCredgateError(what, err, config.name);
    }
  }

  return {
    getSelf: () => send('getSelf', {}),
    getTicket: (view) => send('getTicket', view),
    getHistory: (view) => send('getHistory', view),
    getComments: (view) => send('getComments', view),
    postComment: async (view) => void (await send('postComment', view)),
    setStatus: async (view) => void (await send('setStatus', view)),
    getGroups: (view) => send('getGroups', view),
  };
}

function parseJson(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw.trim() === '') return raw ?? null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Maps a failed call to an error kind: the one place the system's HTTP statuses are interpreted. */
export function toCredgateError(what: string, err: unknown, system: string): CredgateError {
  return httpFailure(err, {
    system,
    what,
    detail: genericMessage,
    authHint: 'check GENERIC_API_TOKEN and generic.api.auth',
    alsoTransient: [409],
  });
}

function genericMessage(data: unknown): string {
  const text = typeof data === 'string' ? data : data && typeof data === 'object' ? JSON.stringify(data) : '';
  return text.slice(0, 300);
}
