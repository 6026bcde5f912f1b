import type { CredentialRequest } from '../domain/request';
import type { EffectDraft, Effect, AuditEvent } from '../domain/effect';
import { formatTime } from './views';

/**
 * Accumulates one decision: the next request document and the effects it owes. Effects get keys
 * from the request's own sequence, so the same decision replayed yields the same keys.
 */
export class Draft {
  readonly request: CredentialRequest;
  private touched = false;

  constructor(
    request: CredentialRequest,
    private readonly now: Date,
  ) {
    this.request = structuredClone(request);
  }

  get changed(): boolean {
    return this.touched;
  }

  /** Marks the document changed even when no effect was added (e.g. a change id was seen). */
  touch(): void {
    this.touched = true;
    this.request.updatedAt = this.now.toISOString();
  }

  add(effect: EffectDraft): Effect {
    this.touch();
    this.request.effectSeq += 1;
    const keyed = { ...effect, key: `${this.request.id}/${this.request.effectSeq}` } as Effect;
    this.request.outbox.push(keyed);
    return keyed;
  }

  comment(template: string, view: Record<string, unknown>): Effect {
    // The key is only known once added; the footer shows it so a retried post can find itself.
    const effect = this.add({ kind: 'comment', template, view: {} });
    if (effect.kind === 'comment') effect.view = { ...this.commonView(effect.key), ...view };
    return effect;
  }

  /**
   * Puts the effects `add` makes inside `fn` at the head of the outbox, in the order made, so
   * they run before what the outbox already owed (keys still come from the same sequence).
   */
  first(fn: () => void): void {
    const before = this.request.outbox.length;
    fn();
    const added = this.request.outbox.splice(before);
    this.request.outbox.unshift(...added);
  }

  audit(event: Omit<AuditEvent, 'at'>): void {
    // Every decision on a request judged under a client overlay names the overlay.
    const overlay = this.request.overlay;
    const detail = overlay ? { ...event.detail, overlay } : event.detail;
    this.add({ kind: 'audit', event: { ...event, ...(detail ? { detail } : {}), at: this.now.toISOString() } });
  }

  private commonView(ref: string): Record<string, unknown> {
    const r = this.request;
    return {
      requestId: r.id,
      ref,
      ticketKey: r.ticket.key,
      at: formatTime(this.now.toISOString()),
    };
  }
}
