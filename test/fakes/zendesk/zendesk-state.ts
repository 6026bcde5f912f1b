/**
 * The fake Zendesk's data: users, groups, forms, custom fields, tickets with their comments and
 * audits. Every change goes through `update`, which writes one audit with one event per change,
 * the way Zendesk records ticket history.
 */
import { htmlToPlain } from './html-text';
import type {
  CreateTicketInput,
  FakeTaggerField,
  FakeTextField,
  FakeTicketForm,
  FakeZendeskOptions,
  FakeZendeskUser,
} from './types';

export const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;

export interface StoredComment {
  id: number;
  authorId: number;
  html: string;
  plain: string;
  public: boolean;
  auditId: number;
  createdAt: string;
  channel: string;
}

export interface StoredEvent {
  id: number;
  type: string;
  [key: string]: unknown;
}

export interface StoredAudit {
  id: number;
  ticketId: number;
  authorId: number;
  createdAt: string;
  channel: string;
  events: StoredEvent[];
}

export interface StoredTicket {
  id: number;
  subject: string;
  description: string;
  status: string;
  requesterId: number;
  submitterId: number;
  groupId: number | null;
  formId: number | null;
  tags: string[];
  customFields: Map<number, string | null>;
  comments: StoredComment[];
  audits: StoredAudit[];
  createdAt: string;
  updatedAt: string;
}

/** One change to apply to a ticket; `comment.html` or `comment.plain` is its body. */
export interface TicketChange {
  status?: string;
  customFields?: { id: number; value: string | null }[];
  comment?: { html?: string; plain?: string; public: boolean };
}

/** What a mutation did, for webhooks: the ticket, the audit and whether it created the ticket. */
export interface Mutation {
  ticket: StoredTicket;
  audit: StoredAudit;
  created: boolean;
}

export class ZendeskStateError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.description === 'string' ? body.description : String(body.error));
  }
}

export const recordInvalid = (description: string) =>
  new ZendeskStateError(422, {
    error: 'RecordInvalid',
    description: 'Record validation errors',
    details: { base: [{ description }] },
  });

export class ZendeskState {
  baseUrl = '';
  readonly users = new Map<number, FakeZendeskUser>();
  readonly groups = new Map<number, string>();
  readonly memberships: { id: number; userId: number; groupId: number }[] = [];
  readonly forms = new Map<number, FakeTicketForm>();
  readonly taggers = new Map<number, FakeTaggerField>();
  readonly texts = new Map<number, FakeTextField>();
  readonly tickets = new Map<number, StoredTicket>();
  /** When each (user, ticket) pair was updated through the API, for Zendesk's per-ticket update limit. */
  readonly updateLog = new Map<string, number[]>();
  private seq = 10_000;
  private readonly now: () => Date;

  constructor(options: FakeZendeskOptions) {
    this.now = options.now ?? (() => new Date());
    for (const u of options.users) this.users.set(u.id, u);
    const groupNames = new Set([...(options.groups ?? []), ...options.users.flatMap((u) => u.groups)]);
    let gid = 20_000;
    for (const name of groupNames) this.groups.set(++gid, name);
    for (const u of options.users)
      for (const g of u.groups)
        this.memberships.push({ id: this.next(), userId: u.id, groupId: this.groupId(g) as number });
    for (const f of options.forms ?? []) this.forms.set(f.id, f);
    for (const f of options.taggerFields ?? []) this.taggers.set(f.id, f);
    for (const f of options.textFields ?? []) this.texts.set(f.id, f);
  }

  next(): number {
    return ++this.seq;
  }

  time(): string {
    // Zendesk times have second precision: 2026-11-25T06:31:24Z.
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  nowMs(): number {
    return this.now().getTime();
  }

  groupId(name: string): number | null {
    for (const [id, n] of this.groups) if (n === name) return id;
    return null;
  }

  requireUser(id: number): FakeZendeskUser {
    const u = this.users.get(id);
    if (!u) throw new Error(`FakeZendesk: unknown user ${id}`);
    return u;
  }

  requireTicket(id: number): StoredTicket {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`FakeZendesk: unknown ticket ${id}`);
    return t;
  }

  isCustomField(id: number): boolean {
    return this.taggers.has(id) || this.texts.has(id);
  }

  /** A new ticket: one audit of Create events and the first comment, which is the description. */
  createTicket(as: number, input: CreateTicketInput, channel = 'web'): Mutation {
    this.requireUser(as);
    const id = this.tickets.size + 1;
    const at = this.time();
    const ticket: StoredTicket = {
      id,
      subject: input.subject,
      description: input.description,
      status: input.status ?? 'new',
      requesterId: as,
      submitterId: as,
      groupId: input.groupName ? this.groupId(input.groupName) : null,
      formId: input.formId ?? null,
      tags: [...(input.tags ?? [])],
      customFields: new Map([...this.taggers.keys(), ...this.texts.keys()].map((f) => [f, null])),
      comments: [],
      audits: [],
      createdAt: at,
      updatedAt: at,
    };
    const audit: StoredAudit = { id: this.next(), ticketId: id, authorId: as, createdAt: at, channel, events: [] };
    const create = (field: string, value: unknown) =>
      audit.events.push({ id: this.next(), type: 'Create', field_name: field, value });
    create('subject', ticket.subject);
    create('status', ticket.status);
    create('requester_id', String(as));
    if (ticket.formId) create('ticket_form_id', String(ticket.formId));
    if (ticket.groupId) create('group_id', String(ticket.groupId));
    for (const [field, value] of Object.entries(input.customFields ?? {})) {
      this.setField(ticket, Number(field), value);
      create(String(field), value);
    }
    if (ticket.tags.length) create('tags', [...ticket.tags]);
    this.addComment(ticket, audit, as, { plain: input.description, public: true }, channel);
    this.tickets.set(id, ticket);
    ticket.audits.push(audit);
    return { ticket, audit, created: true };
  }

  /** Applies changes as one audit (validating like Zendesk: 422 on a bad status or field value). */
  update(as: number, ticket: StoredTicket, change: TicketChange, channel: string): Mutation {
    if (ticket.status === 'closed') throw recordInvalid('Status: closed prevents ticket update');
    if (change.status !== undefined && !(STATUSES as readonly string[]).includes(change.status)) {
      throw recordInvalid(`Status: ${change.status} is not valid`);
    }
    for (const f of change.customFields ?? []) this.checkField(f.id, f.value);
    const audit: StoredAudit = {
      id: this.next(),
      ticketId: ticket.id,
      authorId: as,
      createdAt: this.time(),
      channel,
      events: [],
    };
    if (change.comment) this.addComment(ticket, audit, as, change.comment, channel);
    if (change.status !== undefined && change.status !== ticket.status) {
      audit.events.push({
        id: this.next(),
        type: 'Change',
        field_name: 'status',
        value: change.status,
        previous_value: ticket.status,
      });
      ticket.status = change.status;
    }
    for (const f of change.customFields ?? []) {
      const previous = ticket.customFields.get(f.id) ?? null;
      if (previous === f.value) continue;
      const tagsBefore = [...ticket.tags];
      this.setField(ticket, f.id, f.value);
      audit.events.push({
        id: this.next(),
        type: 'Change',
        field_name: String(f.id),
        value: f.value,
        previous_value: previous,
      });
      if (tagsBefore.join(' ') !== ticket.tags.join(' ')) {
        audit.events.push({
          id: this.next(),
          type: 'Change',
          field_name: 'tags',
          value: [...ticket.tags],
          previous_value: tagsBefore,
        });
      }
    }
    if (audit.events.length) {
      ticket.audits.push(audit);
      ticket.updatedAt = audit.createdAt;
    }
    return { ticket, audit, created: false };
  }

  private checkField(id: number, value: unknown): void {
    const tagger = this.taggers.get(id);
    if (tagger) {
      if (value !== null && !tagger.options.some((o) => o.value === value)) {
        throw recordInvalid(
          `${tagger.title}: "${String(value)}" is not a valid option (valid: ${tagger.options.map((o) => o.value).join(', ')})`,
        );
      }
      return;
    }
    if (this.texts.has(id)) {
      if (value !== null && typeof value !== 'string') throw recordInvalid(`field ${id}: expected text`);
      return;
    }
    throw recordInvalid(`Ticket field ${id} does not exist`);
  }

  /** Sets a field; a drop-down's option value is also a tag on the ticket, as in Zendesk. */
  private setField(ticket: StoredTicket, id: number, value: string | null): void {
    this.checkField(id, value);
    const tagger = this.taggers.get(id);
    if (tagger) {
      const optionTags = new Set(tagger.options.map((o) => o.value));
      ticket.tags = ticket.tags.filter((t) => !optionTags.has(t));
      if (value) ticket.tags.push(value);
    }
    ticket.customFields.set(id, value);
  }

  private addComment(
    ticket: StoredTicket,
    audit: StoredAudit,
    as: number,
    comment: TicketChange['comment'] & object,
    channel: string,
  ): void {
    const html =
      comment.html ??
      `<div class="zd-comment" dir="auto">${escapeHtml(comment.plain ?? '').replace(/\n/g, '<br>')}</div>`;
    const stored: StoredComment = {
      id: this.next(),
      authorId: as,
      html,
      plain: comment.html !== undefined ? htmlToPlain(comment.html) : (comment.plain ?? ''),
      public: comment.public,
      auditId: audit.id,
      createdAt: audit.createdAt,
      channel,
    };
    ticket.comments.push(stored);
    audit.events.push({
      id: stored.id,
      type: 'Comment',
      author_id: as,
      body: stored.plain,
      html_body: stored.html,
      plain_body: stored.plain,
      public: stored.public,
      attachments: [],
      audit_id: audit.id,
    });
    if (stored.public) {
      audit.events.push({
        id: this.next(),
        type: 'Notification',
        subject: `[Request received] ${ticket.subject}`,
        body: 'Your request was updated.',
        recipients: [ticket.requesterId],
      });
    }
  }
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
