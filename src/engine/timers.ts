import type { TimerKind } from '../domain/request';
import type { Draft } from './draft';

/** Records a timer on the request and owes the scheduler a durable job for it. */
export function schedule(draft: Draft, timer: TimerKind, at: Date): void {
  const iso = at.toISOString();
  draft.request.timers[timer] = iso;
  draft.add({ kind: 'schedule', timer, at: iso });
}

export function unschedule(draft: Draft, timer: TimerKind): void {
  if (!draft.request.timers[timer]) return;
  delete draft.request.timers[timer];
  draft.add({ kind: 'unschedule', timer });
}
