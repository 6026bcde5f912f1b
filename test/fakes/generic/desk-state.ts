/**
 * The fake Desk's data: people, tickets, notes and each ticket's activity log (state changes and
 * notes, with who made them), which is what credgate reads back as history.
 */
import type { CreateDeskTicket, DeskPerson, FakeDeskOptions } from './types';

export interface DeskNote {
  id: string;
  authorId: string;
  text: string;
  internal: boolean;
  createdAt: string;
}

export interface DeskActivity {
  id: string;
  kind: 'state' | 'note' | 'created';
  actorId: string;
  from: string | null;
  to: string | null;
  at: string;
}

export interface DeskTicket {
  id: number;
  number: string;
  title: string;
  body: string;
  state: string;
  category: string;
  queue: string;
  labels: string[];
  requesterId: string;
  custom: Record<string, string>;
  notes: DeskNote[];
  activity: DeskActivity[];
  createdAt: string;
  updatedAt: string;
}

/** What a change did: the ticket, the event name a webhook carries, and who did it. */
export interface DeskMutation {
  ticket: DeskTicket;
  event: 'ticket.created' | 'ticket.updated' | 'note.created';
  actorId: string;
}

export class DeskState {
  baseUrl = '';
  readonly people = new Map<string, DeskPerson>();
  readonly tickets = new Map<number, DeskTicket>();
  private seq = 0;
  private readonly now: () => Date;

  constructor(readonly options: FakeDeskOptions) {
    this.now = options.now ?? (() => new Date());
    for (const p of options.people) this.people.set(p.id, p);
  }

  time(): string {
    return this.now().toISOString();
  }

  requirePerson(id: string): DeskPerson {
    const p = this.people.get(id);
    if (!p) throw new Error(`FakeDesk: unknown person ${id}`);
    return p;
  }

  requireTicket(id: number): DeskTicket {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`FakeDesk: unknown ticket ${id}`);
    return t;
  }

  create(as: string, input: CreateDeskTicket): DeskMutation {
    this.requirePerson(as);
    const id = 1000 + this.tickets.size + 1;
    const at = this.time();
    const ticket: DeskTicket = {
      id,
      number: `DESK-${id}`,
      title: input.title,
      body: input.body,
      state: this.options.states[0],
      category: input.category ?? 'General',
      queue: input.queue ?? 'IT',
      labels: [...(input.labels ?? [])],
      requesterId: as,
      custom: { ...(input.custom ?? {}) },
      notes: [],
      activity: [{ id: `a${++this.seq}`, kind: 'created', actorId: as, from: null, to: this.options.states[0], at }],
      createdAt: at,
      updatedAt: at,
    };
    this.tickets.set(id, ticket);
    return { ticket, event: 'ticket.created', actorId: as };
  }

  /** Moves a ticket; null when it already is in that state (nothing happens, no webhook). */
  setState(as: string, ticket: DeskTicket, state: string): DeskMutation | null {
    if (!this.options.states.includes(state)) throw new Error(`FakeDesk: unknown state ${state}`);
    if (ticket.state === state) return null;
    const at = this.time();
    ticket.activity.push({ id: `a${++this.seq}`, kind: 'state', actorId: as, from: ticket.state, to: state, at });
    ticket.state = state;
    ticket.updatedAt = at;
    return { ticket, event: 'ticket.updated', actorId: as };
  }

  addNote(as: string, ticket: DeskTicket, text: string, internal: boolean): { mutation: DeskMutation; note: DeskNote } {
    const at = this.time();
    const note: DeskNote = { id: `n${++this.seq}`, authorId: as, text, internal, createdAt: at };
    ticket.notes.push(note);
    ticket.activity.push({ id: `a${++this.seq}`, kind: 'note', actorId: as, from: null, to: null, at });
    ticket.updatedAt = at;
    return { mutation: { ticket, event: 'note.created', actorId: as }, note };
  }
}
