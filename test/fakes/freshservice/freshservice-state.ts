import type { FakeFreshserviceOptions, FakeFsUser, FsActivityRow, FsConversationRow, FsTicketRow } from './types';

export class FakeSetupError extends Error {}

/** Freshservice's timestamp format (second resolution, UTC). */
export const fsNow = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const DEFAULT_STATUSES: Record<number, string> = {
  2: 'Open',
  3: 'Pending',
  4: 'Resolved',
  5: 'Closed',
  6: 'Waiting for requester',
  7: 'Pending approval',
  8: 'Approved',
  9: 'Declined',
  10: 'Access granted',
  11: 'Access revoked',
};

/** What changed, for the workflow's webhook. */
export interface Mutation {
  ticketId: number;
  event: 'created' | 'updated' | 'note_added';
}

/**
 * Tickets, their conversations and activities, agents and agent groups. Activities are written as
 * Freshservice shows them: one sentence per action, newest first, e.g. " set Status as Approved".
 */
export class FreshserviceState {
  readonly tickets = new Map<number, FsTicketRow>();
  readonly conversations: FsConversationRow[] = [];
  readonly activities = new Map<number, FsActivityRow[]>();
  readonly statuses: Record<number, string>;
  readonly groups: { id: number; name: string; members: number[] }[] = [];
  private nextTicket = 1;
  private nextConversation = 21_000_000_001;

  constructor(readonly options: FakeFreshserviceOptions) {
    this.statuses = options.statuses ?? DEFAULT_STATUSES;
    let groupId = 21_000_188_390;
    for (const u of options.users) {
      for (const name of u.groups) {
        let g = this.groups.find((x) => x.name === name);
        if (!g) this.groups.push((g = { id: groupId++, name, members: [] }));
        g.members.push(u.id);
      }
    }
  }

  user(id: number): FakeFsUser | undefined {
    return this.options.users.find((u) => u.id === id);
  }

  requireUser(id: number): FakeFsUser {
    const u = this.user(id);
    if (!u) throw new FakeSetupError(`FakeFreshservice: no user ${id}`);
    return u;
  }

  requireTicket(id: number): FsTicketRow {
    const t = this.tickets.get(id);
    if (!t) throw new FakeSetupError(`FakeFreshservice: no ticket ${id}`);
    return t;
  }

  private activity(ticketId: number, by: number, content: string): void {
    const list = this.activities.get(ticketId) ?? [];
    list.unshift({
      actor: { id: by, name: this.requireUser(by).name },
      content,
      sub_contents: [],
      created_at: fsNow(),
    });
    this.activities.set(ticketId, list);
  }

  createTicket(
    by: number,
    input: { subject: string; description: string; type?: string; category?: string | null },
  ): Mutation {
    const requester = this.requireUser(by);
    const now = fsNow();
    const id = this.nextTicket++;
    this.tickets.set(id, {
      id,
      subject: input.subject,
      description: input.description,
      // Freshservice's plain-text copy joins the HTML's lines with spaces.
      description_text: input.description
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
      status: 2,
      priority: 1,
      source: 2,
      type: input.type ?? 'Service Request',
      category: input.category ?? null,
      requester_id: by,
      group_id: null,
      custom_fields: {},
      tags: [],
      created_at: now,
      updated_at: now,
    });
    this.activity(id, by, ` created ticket for ${requester.name},  set Status as Open, set Priority as Low`);
    return { ticketId: id, event: 'created' };
  }

  setStatus(by: number, ticket: FsTicketRow, status: number): Mutation | null {
    if (ticket.status === status) return null;
    ticket.status = status;
    ticket.updated_at = fsNow();
    this.activity(ticket.id, by, ` set Status as ${this.statuses[status]}`);
    return { ticketId: ticket.id, event: 'updated' };
  }

  addNote(by: number, ticket: FsTicketRow, body: string, isPrivate: boolean, incoming = false): FsConversationRow {
    const now = fsNow();
    const note: FsConversationRow = {
      id: this.nextConversation++,
      ticket_id: ticket.id,
      user_id: by,
      body,
      body_text: body
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
      private: isPrivate,
      incoming,
      created_at: now,
      updated_at: now,
    };
    this.conversations.push(note);
    ticket.updated_at = now;
    this.activity(ticket.id, by, isPrivate ? ' added a private note' : ' added a public note');
    return note;
  }
}
