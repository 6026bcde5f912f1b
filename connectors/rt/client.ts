import axios, { type AxiosInstance } from 'axios';
import { httpFailure } from '../kit';
import type { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { rtBaseUrl, type RtConfig } from './schema';
import type { RtAttachment, RtGroup, RtLink, RtPage, RtTicket, RtTransaction, RtUser } from './types';

/**
 * One function per Request Tracker REST 2.0 endpoint credgate calls
 * (https://docs.bestpractical.com/rt/5.0.3/RT/REST2.html), authenticated with an auth token
 * (`Authorization: token ...`). Every failure becomes a CredgateError here, once, with no header or
 * token in its message.
 */
export interface RtClient {
  /** GET /ticket/{id} */
  getTicket(id: string): Promise<RtTicket>;
  /** PUT /ticket/{id} {Status} */
  setStatus(id: string, status: string): Promise<void>;
  /** GET /ticket/{id}/history, every page. */
  getHistory(id: string): Promise<RtTransaction[]>;
  /** GET /ticket/{id}/attachments, every page (the text of the creation, comments and replies). */
  getAttachments(id: string): Promise<RtAttachment[]>;
  /** POST /ticket/{id}/comment or /correspond, as HTML. */
  addMessage(id: string, kind: 'comment' | 'correspond', html: string): Promise<void>;
  /** POST /ticket {Queue, Subject, Content} */
  createTicket(queue: string, subject: string, html: string): Promise<string>;
  /** GET /tickets?query=<TicketSQL>, every page. */
  searchTickets(ticketSql: string): Promise<RtTicket[]>;
  /** GET /queue/{id} (its name). */
  getQueueName(id: string): Promise<string>;
  /** GET /user/{name or id} */
  getUser(nameOrId: string): Promise<RtUser>;
  /** GET /groups (user-defined groups), every page. */
  listGroups(): Promise<RtLink[]>;
  /** GET /group/{id} (name and direct members). */
  getGroup(id: string): Promise<RtGroup>;
}

const PER_PAGE = 100;
const HISTORY_FIELDS = 'Type,Field,OldValue,NewValue,Creator,Created';
const ATTACHMENT_FIELDS = 'TransactionId,ContentType,Content,Creator,Created';

export function createRtClient(config: RtConfig, http?: AxiosInstance): RtClient {
  const api =
    http ??
    axios.create({
      baseURL: `${rtBaseUrl(config)}/REST/2.0`,
      timeout: parseDuration(config.requestTimeout) ?? 10_000,
      headers: { Authorization: `token ${config.token ?? ''}`, Accept: 'application/json' },
    });
  const json = { headers: { 'Content-Type': 'application/json' } };

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toCredgateError(what, err);
    }
  };

  /** REST 2.0 pages with page/per_page; `pages` is null when counting is off, so read until a short page. */
  const pages = async <T>(what: string, url: string, params: Record<string, string> = {}): Promise<T[]> => {
    const all: T[] = [];
    for (let page = 1; ; page++) {
      const items = await call(what, async () => {
        const res = await api.get<RtPage<T>>(url, { params: { ...params, page, per_page: PER_PAGE } });
        return Array.isArray(res.data?.items) ? res.data.items : [];
      });
      all.push(...items);
      if (items.length < PER_PAGE) return all;
    }
  };

  /** RT answers 200 with a list of messages for a PUT, and says in them what it refused. */
  const refused = (messages: unknown): string | null => {
    const list = Array.isArray(messages) ? messages.map(String) : [];
    const bad = list.find((m) => /can't|cannot|permission denied|not allowed|invalid/i.test(m));
    return bad ?? null;
  };

  return {
    getTicket: (id) => call(`GET ticket ${id}`, async () => (await api.get<RtTicket>(`/ticket/${id}`)).data),

    setStatus: (id, status) =>
      call(`PUT ticket ${id}`, async () => {
        const res = await api.put(`/ticket/${id}`, { Status: status }, json);
        const why = refused(res.data);
        if (why) throw Object.assign(new Error(why), { response: { status: 409, data: why } });
      }),

    getHistory: (id) =>
      pages<RtTransaction>(`GET history of ${id}`, `/ticket/${id}/history`, { fields: HISTORY_FIELDS }),

    getAttachments: (id) =>
      pages<RtAttachment>(`GET attachments of ${id}`, `/ticket/${id}/attachments`, { fields: ATTACHMENT_FIELDS }),

    addMessage: (id, kind, html) =>
      call(`POST ${kind} on ${id}`, async () => {
        await api.post(`/ticket/${id}/${kind}`, { Content: html, ContentType: 'text/html' }, json);
      }),

    createTicket: (queue, subject, html) =>
      call('POST ticket', async () => {
        const res = await api.post<{ id: string | number }>(
          '/ticket',
          { Queue: queue, Subject: subject, Content: html, ContentType: 'text/html' },
          json,
        );
        return String(res.data.id);
      }),

    searchTickets: (ticketSql) =>
      pages<RtTicket>('search tickets', '/tickets', { query: ticketSql, fields: 'Status,Queue,Subject' }),

    getQueueName: (id) =>
      call(`GET queue ${id}`, async () => (await api.get<{ Name: string }>(`/queue/${id}`)).data.Name),

    getUser: (nameOrId) =>
      call('GET user', async () => (await api.get<RtUser>(`/user/${encodeURIComponent(nameOrId)}`)).data),

    listGroups: () => pages<RtLink>('GET groups', '/groups'),

    getGroup: (id) => call(`GET group ${id}`, async () => (await api.get<RtGroup>(`/group/${id}`)).data),
  };
}

/** Maps a failed call to an error kind: the one place RT's HTTP statuses are interpreted. */
export function toCredgateError(what: string, err: unknown): CredgateError {
  return httpFailure(err, {
    system: 'Request Tracker',
    what,
    detail: rtMessage,
    authHint: "check RT_TOKEN and the rights of credgate's RT user (connectors/rt/readme.md)",
    // A refused status change (the lifecycle forbids it) is a configuration problem, not a retry.
  });
}

/** RT's error text ({message} or a list of messages), cut short. */
function rtMessage(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 300);
  if (Array.isArray(data)) return data.map(String).join('; ').slice(0, 300);
  const m = (data as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m.slice(0, 300) : '';
}
