import { httpFailure } from '../kit';
import axios, { type AxiosInstance } from 'axios';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { zendeskBaseUrl, type ZendeskConfig } from './schema';
import type {
  ZendeskAudit,
  ZendeskComment,
  ZendeskGroup,
  ZendeskGroupMembership,
  ZendeskPage,
  ZendeskTicket,
  ZendeskTicketForm,
  ZendeskTicketUpdate,
  ZendeskUser,
} from './types';

/** A drop-down ticket field and its options (value = the tag Zendesk stores). */
export interface ZendeskTicketField {
  id: number | string;
  type?: string;
  title?: string;
  custom_field_options?: { id?: number | string; name: string; value: string }[];
}

/**
 * One function per Zendesk Support API endpoint credgate calls
 * (https://developer.zendesk.com/api-reference/ticketing/introduction/). Authenticates as
 * `{email}/token:{api_token}` (basic). Every failure becomes a CredgateError here, once, with no
 * header or token in its message.
 */
export interface ZendeskClient {
  me(): Promise<ZendeskUser>;
  getTicket(id: string): Promise<ZendeskTicket>;
  updateTicket(id: string, update: ZendeskTicketUpdate): Promise<void>;
  listComments(ticketId: string): Promise<ZendeskComment[]>;
  listAudits(ticketId: string): Promise<ZendeskAudit[]>;
  showManyUsers(ids: string[]): Promise<ZendeskUser[]>;
  listGroupMemberships(userId: string): Promise<ZendeskGroupMembership[]>;
  listGroups(): Promise<ZendeskGroup[]>;
  getTicketForm(id: string): Promise<ZendeskTicketForm>;
  getTicketField(id: string): Promise<ZendeskTicketField>;
}

const PAGE = 100;
/** A safety stop for pagination loops: 100 pages of 100 is far beyond any one ticket's history. */
const MAX_PAGES = 100;

export function createZendeskClient(config: ZendeskConfig, http?: AxiosInstance): ZendeskClient {
  const baseURL = zendeskBaseUrl(config);
  const api: AxiosInstance =
    http ??
    axios.create({
      baseURL,
      timeout: parseDuration(config.requestTimeout) ?? 10_000,
      auth: { username: `${config.email ?? ''}/token`, password: config.apiToken ?? '' },
      headers: { Accept: 'application/json' },
      // Redirects would resend the credentials to wherever they point.
      maxRedirects: 0,
    });

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toCredgateError(what, err);
    }
  };
  const get = <T>(what: string, path: string, params?: Record<string, unknown>) =>
    call(what, async () => (await api.get<T>(path, { params })).data);

  /**
   * Every page of a list: cursor pagination (`meta.has_more`, `links.next`) where the endpoint
   * supports it, else offset pagination (`next_page`). Next-page URLs are followed only on the
   * configured origin, so credentials never leave it.
   */
  async function all<T>(what: string, path: string, key: string, params: Record<string, unknown>): Promise<T[]> {
    const out: T[] = [];
    let url: string | null = path;
    let query: Record<string, unknown> | undefined = params;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const data: ZendeskPage = await get<ZendeskPage>(what, url, query);
      const items = Array.isArray(data[key]) ? (data[key] as T[]) : [];
      out.push(...items);
      const next: string | null | undefined = data.meta
        ? data.meta.has_more
          ? data.links?.next
          : null
        : data.next_page;
      url = next && sameOrigin(next, baseURL) ? next : null;
      query = undefined;
      if (!items.length) break;
    }
    return out;
  }

  return {
    me: () => get<{ user: ZendeskUser }>('GET users/me', '/api/v2/users/me.json').then((d) => d.user),

    getTicket: (id) =>
      get<{ ticket: ZendeskTicket }>(`GET ticket ${id}`, `/api/v2/tickets/${enc(id)}.json`).then((d) => d.ticket),

    // Comments are added through the Tickets API: PUT ticket with a `comment` object.
    updateTicket: (id, update) =>
      call(`PUT ticket ${id}`, async () => {
        await api.put(
          `/api/v2/tickets/${enc(id)}.json`,
          { ticket: update },
          { headers: { 'Content-Type': 'application/json' } },
        );
      }),

    listComments: (ticketId) =>
      all<ZendeskComment>(
        `GET ticket ${ticketId} comments`,
        `/api/v2/tickets/${enc(ticketId)}/comments.json`,
        'comments',
        { 'page[size]': PAGE },
      ),

    listAudits: (ticketId) =>
      all<ZendeskAudit>(`GET ticket ${ticketId} audits`, `/api/v2/tickets/${enc(ticketId)}/audits.json`, 'audits', {
        'page[size]': PAGE,
      }),

    async showManyUsers(ids) {
      const users: ZendeskUser[] = [];
      // show_many takes at most 100 ids per call.
      for (let i = 0; i < ids.length; i += PAGE) {
        const chunk = ids.slice(i, i + PAGE);
        const d = await get<{ users?: ZendeskUser[] }>('GET users/show_many', '/api/v2/users/show_many.json', {
          ids: chunk.join(','),
        });
        users.push(...(d.users ?? []));
      }
      return users;
    },

    listGroupMemberships: (userId) =>
      all<ZendeskGroupMembership>(
        'GET user group memberships',
        `/api/v2/users/${enc(userId)}/group_memberships.json`,
        'group_memberships',
        { per_page: PAGE },
      ),

    listGroups: () => all<ZendeskGroup>('GET groups', '/api/v2/groups.json', 'groups', { per_page: PAGE }),

    getTicketForm: (id) =>
      get<{ ticket_form: ZendeskTicketForm }>(`GET ticket form ${id}`, `/api/v2/ticket_forms/${enc(id)}.json`).then(
        (d) => d.ticket_form,
      ),

    getTicketField: (id) =>
      get<{ ticket_field: ZendeskTicketField }>(`GET ticket field ${id}`, `/api/v2/ticket_fields/${enc(id)}.json`).then(
        (d) => d.ticket_field,
      ),
  };
}

const enc = encodeURIComponent;

function sameOrigin(url: string, base: string): boolean {
  try {
    return new URL(url, base).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

/**
 * Maps a failed call to an error kind: the one place Zendesk's HTTP statuses are interpreted.
 * 429 carries Retry-After in seconds (https://developer.zendesk.com/api-reference/introduction/rate-limits/);
 * 409 is Zendesk's answer to two simultaneous updates of one ticket, worth retrying.
 */
export function toCredgateError(what: string, err: unknown): CredgateError {
  return httpFailure(err, {
    system: 'Zendesk',
    what,
    detail: zendeskMessage,
    authHint: "check ZENDESK_EMAIL, ZENDESK_API_TOKEN and the agent's role",
    alsoTransient: [409],
  });
}

/** Zendesk's own error text ({error, description, details}, or plain text on 429), cut short: it is for logs only. */
function zendeskMessage(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 200);
  if (!data || typeof data !== 'object') return '';
  const d = data as { error?: unknown; description?: unknown; details?: unknown };
  const error =
    typeof d.error === 'string' ? d.error : typeof d.error === 'object' && d.error ? JSON.stringify(d.error) : '';
  const parts = [
    error,
    typeof d.description === 'string' ? d.description : '',
    d.details ? JSON.stringify(d.details) : '',
  ].filter(Boolean);
  return parts.join('; ').slice(0, 300);
}
