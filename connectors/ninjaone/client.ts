import axios, { type AxiosInstance } from 'axios';
import { httpFailure } from '../kit';
import { CredgateError } from '../../src/util/errors';
import type { Logger } from '../../src/util/logger';
import { parseDuration } from '../../src/policy/parse-duration';
import { clientCredentialsTokens, useBearerTokens } from '../../src/util/client-credentials';
import { ninjaoneBaseUrl, type NinjaoneConfig } from './schema';
import type { NjBoardRow, NjLogEntry, NjRole, NjStatus, NjTicket, NjUser } from './types';

/** What PUT /v2/ticketing/ticket/{id} requires (UpdateTicket), plus what credgate changes. */
export interface TicketUpdate {
  version: number;
  clientId: number;
  ticketFormId: number;
  requesterUid: string;
  subject: string;
  status: string;
  nodeId?: number | null;
  locationId?: number | null;
}

/** What PUT /v2/webhook takes (WebhookConfiguration). */
export interface WebhookConfiguration {
  url: string;
  activities: Record<string, string[]>;
  headers: { name: string; value: string }[];
  organizationIds?: number[];
}

/**
 * One function per NinjaOne Public API 2.0 endpoint credgate calls, as the vendor's OpenAPI
 * description names them. OAuth 2.0 client credentials against the region's host; every failure
 * becomes a CredgateError here, once, with no token or secret in its message.
 */
export interface NinjaoneClient {
  /** GET /v2/ticketing/ticket/{ticketId} (getTicketById) */
  getTicket(id: string): Promise<NjTicket>;
  /** PUT /v2/ticketing/ticket/{ticketId} (update); a stale `version` is a 'conflict'. */
  updateTicket(id: string, update: TicketUpdate): Promise<void>;
  /** GET /v2/ticketing/ticket/{ticketId}/log-entry, every page (newest first). */
  getLogEntries(id: string): Promise<NjLogEntry[]>;
  /** POST /v2/ticketing/ticket/{ticketId}/comment (multipart: a JSON `comment` part). */
  addComment(id: string, comment: { public: boolean; body: string; htmlBody: string }): Promise<void>;
  /** GET /v2/ticketing/statuses */
  getStatuses(): Promise<NjStatus[]>;
  /** GET /v2/ticketing/ticket-form */
  getTicketForms(): Promise<{ id: number; name: string }[]>;
  /** GET /v2/organization/{id} */
  getOrganization(id: number): Promise<{ id: number; name: string }>;
  /** GET /v2/users (technicians and end users) */
  getUsers(): Promise<NjUser[]>;
  /** GET /v2/user/roles?roleType=TECHNICIAN */
  getTechnicianRoles(): Promise<NjRole[]>;
  /** POST /v2/ticketing/trigger/board/{boardId}/run, every page (by lastCursorId). */
  runBoard(boardId: number): Promise<NjBoardRow[]>;
  /** PUT /v2/webhook (configureWebhook): the API client's one webhook. */
  configureWebhook(config: WebhookConfiguration): Promise<void>;
}

const LOG_PAGE = 500;
const BOARD_PAGE = 100;
const AUTH_HINT =
  'check NINJAONE_CLIENT_ID / NINJAONE_CLIENT_SECRET, the region, and that the API client has the client-credentials grant with the monitoring, management and control scopes';

/** The API client's HTTP session: the region's host, bearer tokens refreshed before they expire. */
export function ninjaoneSession(
  config: Pick<NinjaoneConfig, 'baseUrl' | 'region' | 'clientId' | 'clientSecret' | 'scopes' | 'requestTimeout'>,
  log?: Logger,
): AxiosInstance {
  const base = ninjaoneBaseUrl(config);
  const timeoutMs = parseDuration(config.requestTimeout) ?? 10_000;
  const tokens = clientCredentialsTokens({
    system: 'NinjaOne',
    tokenUrl: `${base}/ws/oauth/token`,
    clientId: config.clientId ?? '',
    clientSecret: config.clientSecret ?? '',
    scope: config.scopes.join(' '),
    authHint: AUTH_HINT,
    timeoutMs,
    ...(log ? { log } : {}),
  });
  // No redirects: one would carry the bearer token wherever it points.
  const api = axios.create({
    baseURL: base,
    timeout: timeoutMs,
    maxRedirects: 0,
    headers: { Accept: 'application/json' },
  });
  useBearerTokens(api, tokens, 'NinjaOne', AUTH_HINT);
  return api;
}

export function createNinjaoneClient(config: NinjaoneConfig, log?: Logger, session?: AxiosInstance): NinjaoneClient {
  const api = session ?? ninjaoneSession(config, log);
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toCredgateError(what, err);
    }
  };
  const json = { headers: { 'Content-Type': 'application/json' } };

  return {
    getTicket: (id) =>
      call(`GET ticket ${id}`, async () => (await api.get<NjTicket>(`/v2/ticketing/ticket/${enc(id)}`)).data),

    updateTicket: (id, update) =>
      call(`PUT ticket ${id}`, async () => {
        await api.put(`/v2/ticketing/ticket/${enc(id)}`, update, json);
      }),

    getLogEntries: (id) =>
      call(`GET log entries of ${id}`, async () => {
        const all: NjLogEntry[] = [];
        let anchor: number | undefined;
        for (;;) {
          const res = await api.get<NjLogEntry[]>(`/v2/ticketing/ticket/${enc(id)}/log-entry`, {
            params: { pageSize: LOG_PAGE, ...(anchor !== undefined ? { anchorId: anchor } : {}) },
          });
          const page = Array.isArray(res.data) ? res.data : [];
          all.push(...page);
          if (page.length < LOG_PAGE) return all;
          anchor = Math.min(...page.map((e) => e.id));
        }
      }),

    addComment: (id, comment) =>
      call(`POST comment on ${id}`, async () => {
        // The description's requestBody is multipart/form-data with `comment` a NewTicketLogEntry
        // object: an object part is sent as JSON (OpenAPI 3.0 encoding default).
        const form = new FormData();
        form.append('comment', new Blob([JSON.stringify(comment)], { type: 'application/json' }));
        await api.post(`/v2/ticketing/ticket/${enc(id)}/comment`, form);
      }),

    getStatuses: () =>
      call('GET ticket statuses', async () => {
        const res = await api.get<NjStatus[]>('/v2/ticketing/statuses');
        return Array.isArray(res.data) ? res.data : [];
      }),

    getTicketForms: () =>
      call('GET ticket forms', async () => {
        const res = await api.get<{ id: number; name: string }[]>('/v2/ticketing/ticket-form');
        return Array.isArray(res.data) ? res.data : [];
      }),

    getOrganization: (id) => call(`GET organization ${id}`, async () => (await api.get(`/v2/organization/${id}`)).data),

    getUsers: () =>
      call('GET users', async () => {
        const res = await api.get<NjUser[]>('/v2/users');
        return Array.isArray(res.data) ? res.data : [];
      }),

    getTechnicianRoles: () =>
      call('GET user roles', async () => {
        const res = await api.get<NjRole[]>('/v2/user/roles', { params: { roleType: 'TECHNICIAN' } });
        return Array.isArray(res.data) ? res.data : [];
      }),

    runBoard: (boardId) =>
      call(`POST run board ${boardId}`, async () => {
        const all: NjBoardRow[] = [];
        let cursor: number | undefined;
        for (let page = 0; page < 50; page++) {
          const res = await api.post<{ data?: NjBoardRow[] }>(
            `/v2/ticketing/trigger/board/${boardId}/run`,
            { pageSize: BOARD_PAGE, ...(cursor !== undefined ? { lastCursorId: cursor } : {}) },
            json,
          );
          const rows = Array.isArray(res.data?.data) ? res.data.data : [];
          all.push(...rows);
          if (rows.length < BOARD_PAGE) break;
          cursor = rows[rows.length - 1].id;
        }
        return all;
      }),

    configureWebhook: (config) =>
      call('PUT webhook', async () => {
        await api.put('/v2/webhook', config, json);
      }),
  };
}

const enc = (id: string) => encodeURIComponent(id);

/** Maps a failed call to an error kind: the one place NinjaOne's HTTP statuses are interpreted. */
export function toCredgateError(what: string, err: unknown): CredgateError {
  if (err instanceof CredgateError) return err;
  const status = (err as { response?: { status?: number } }).response?.status;
  if (status === 409)
    return new CredgateError('conflict', `NinjaOne answered 409 to ${what}: the ticket changed meanwhile`, {
      httpStatus: 409,
    });
  return httpFailure(err, { system: 'NinjaOne', what, detail: ninjaoneMessage, authHint: AUTH_HINT });
}

/** NinjaOne's error text ({ errorMessage, errorCode } or OAuth's { error, error_description }), cut short. */
function ninjaoneMessage(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const d = data as Record<string, unknown>;
  return [d.errorMessage, d.errorCode, d.error_description]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .join('; ')
    .slice(0, 300);
}
