import { httpFailure } from '../kit';
import axios, { type AxiosInstance } from 'axios';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { freshserviceBaseUrl, type FreshserviceConfig } from './schema';
import type { FsActivity, FsAgent, FsConversation, FsGroup, FsTicket } from './types';

/**
 * One function per Freshservice API v2 endpoint credgate calls (https://api.freshservice.com/).
 * Basic auth with the API key as user name and "X" as password. Every failure becomes a
 * CredgateError here, once, with no header or key in its message.
 */
export interface FreshserviceClient {
  /** GET /api/v2/tickets/{id}?include=requester */
  getTicket(id: string): Promise<FsTicket>;
  /** PUT /api/v2/tickets/{id} */
  updateTicket(id: string, values: { status: number }): Promise<void>;
  /** GET /api/v2/tickets/{id}/conversations, every page. */
  getConversations(id: string): Promise<FsConversation[]>;
  /** POST /api/v2/tickets/{id}/notes */
  addNote(id: string, html: string, isPrivate: boolean): Promise<void>;
  /** GET /api/v2/tickets/{id}/activities */
  getActivities(id: string): Promise<FsActivity[]>;
  /** GET /api/v2/agents/{id}; null when the person is no agent (a requester). */
  getAgent(id: string): Promise<FsAgent | null>;
  /** GET /api/v2/agents?email=... */
  findAgentByEmail(email: string): Promise<FsAgent | null>;
  /** GET /api/v2/groups, every page (agent groups). */
  getGroups(): Promise<FsGroup[]>;
  /** GET /api/v2/tickets/filter?query="..." (ids only, every page the API serves). */
  filterTickets(query: string): Promise<FsTicket[]>;
}

const PER_PAGE = 100;
/** The filter endpoint serves 30 tickets a page and at most 10 pages. */
const FILTER_PAGES = 10;

export function createFreshserviceClient(config: FreshserviceConfig, http?: AxiosInstance): FreshserviceClient {
  const api =
    http ??
    axios.create({
      baseURL: `${freshserviceBaseUrl(config) ?? ''}/api/v2`,
      timeout: parseDuration(config.requestTimeout) ?? 10_000,
      auth: { username: config.apiKey ?? '', password: 'X' },
      headers: { Accept: 'application/json' },
    });

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toCredgateError(what, err);
    }
  };

  /** Pages with page/per_page until a short page (the Link header says the same). */
  const pages = async <T>(
    what: string,
    url: string,
    key: string,
    params: Record<string, string> = {},
  ): Promise<T[]> => {
    const all: T[] = [];
    for (let page = 1; ; page++) {
      const items = await call(what, async () => {
        const res = await api.get<Record<string, T[]>>(url, {
          params: { ...params, page: String(page), per_page: String(PER_PAGE) },
        });
        return Array.isArray(res.data?.[key]) ? res.data[key] : [];
      });
      all.push(...items);
      if (items.length < PER_PAGE) return all;
    }
  };

  return {
    getTicket: (id) =>
      call(
        `GET ticket ${id}`,
        async () =>
          (await api.get<{ ticket: FsTicket }>(`/tickets/${id}`, { params: { include: 'requester' } })).data.ticket,
      ),

    updateTicket: (id, values) =>
      call(`PUT ticket ${id}`, async () => {
        await api.put(`/tickets/${id}`, values, { headers: { 'Content-Type': 'application/json' } });
      }),

    getConversations: (id) =>
      pages<FsConversation>(`GET conversations of ${id}`, `/tickets/${id}/conversations`, 'conversations'),

    addNote: (id, html, isPrivate) =>
      call(`POST note on ${id}`, async () => {
        await api.post(
          `/tickets/${id}/notes`,
          { body: html, private: isPrivate },
          { headers: { 'Content-Type': 'application/json' } },
        );
      }),

    getActivities: (id) =>
      call(`GET activities of ${id}`, async () => {
        const res = await api.get<{ activities: FsActivity[] }>(`/tickets/${id}/activities`);
        return Array.isArray(res.data?.activities) ? res.data.activities : [];
      }),

    getAgent: (id) =>
      call(`GET agent ${id}`, async () => {
        try {
          return (await api.get<{ agent: FsAgent }>(`/agents/${id}`)).data.agent;
        } catch (err) {
          // Requesters are not agents: no agent, no agent groups.
          if ((err as { response?: { status?: number } }).response?.status === 404) return null;
          throw err;
        }
      }),

    findAgentByEmail: (email) =>
      call(
        'GET agents by email',
        async () => (await api.get<{ agents: FsAgent[] }>('/agents', { params: { email } })).data.agents?.[0] ?? null,
      ),

    getGroups: () => pages<FsGroup>('GET agent groups', '/groups', 'groups'),

    async filterTickets(query) {
      const all: FsTicket[] = [];
      for (let page = 1; page <= FILTER_PAGES; page++) {
        const tickets = await call('filter tickets', async () => {
          // The query is sent in double quotes (https://api.freshservice.com/#filter_tickets).
          const res = await api.get<{ tickets: FsTicket[] }>('/tickets/filter', {
            params: { query: `"${query}"`, page: String(page) },
          });
          return Array.isArray(res.data?.tickets) ? res.data.tickets : [];
        });
        all.push(...tickets);
        if (tickets.length === 0 || tickets.length < 30) break;
      }
      return all;
    },
  };
}

/** Maps a failed call to an error kind: the one place Freshservice's HTTP statuses are interpreted. */
export function toCredgateError(what: string, err: unknown): CredgateError {
  // 429 comes with Retry-After in seconds (https://api.freshservice.com/#rate_limit).
  return httpFailure(err, {
    system: 'Freshservice',
    what,
    detail: freshserviceMessage,
    authHint: "check FRESHSERVICE_API_KEY and the agent's role",
  });
}

/** Freshservice's error text ({description, errors: [{field, message, code}]} or {code, message}), cut short. */
function freshserviceMessage(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const d = data as { description?: unknown; message?: unknown; errors?: { field?: unknown; message?: unknown }[] };
  const errors = Array.isArray(d.errors)
    ? d.errors.map(
        (x) =>
          `${typeof x?.field === 'string' ? `${x.field}: ` : ''}${typeof x?.message === 'string' ? x.message : ''}`,
      )
    : [];
  return [d.description, d.message, ...errors]
    .filter((s) => typeof s === 'string' && s)
    .join('; ')
    .slice(0, 300);
}
