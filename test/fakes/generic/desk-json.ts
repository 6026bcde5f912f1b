/** The fake Desk's objects as its API renders them. */
import type { DeskActivity, DeskNote, DeskState, DeskTicket } from './desk-state';

export function personJson(state: DeskState, id: string): Record<string, unknown> {
  const p = state.people.get(id);
  return p ? { id: p.id, name: p.name, email: p.email } : { id, name: id, email: null };
}

export function noteJson(state: DeskState, n: DeskNote): Record<string, unknown> {
  return {
    id: n.id,
    author: personJson(state, n.authorId),
    text: n.text,
    internal: n.internal,
    created_at: n.createdAt,
  };
}

export function activityJson(state: DeskState, a: DeskActivity): Record<string, unknown> {
  return { id: a.id, kind: a.kind, actor: personJson(state, a.actorId), from: a.from, to: a.to, at: a.at };
}

export function ticketJson(state: DeskState, t: DeskTicket): Record<string, unknown> {
  return {
    id: t.id,
    number: t.number,
    title: t.title,
    body: t.body,
    state: t.state,
    category: t.category,
    queue: t.queue,
    labels: [...t.labels],
    requester: personJson(state, t.requesterId),
    custom: { ...t.custom },
    notes: t.notes.map((n) => noteJson(state, n)),
    web_url: `${state.baseUrl}/tickets/${t.number}`,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}
