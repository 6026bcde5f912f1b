import type { LinkRefused, LinkRevealed } from '../domain/event';
import type { Draft } from './draft';
import { formatTime } from './views';

/**
 * Someone opened a one-time link this request handed out: the ticket and the audit trail say when,
 * from where and with what browser, so a requester who did not open it can raise the alarm.
 */
export function onLinkRevealed(draft: Draft, event: LinkRevealed): void {
  draft.comment('secret-revealed', {
    label: event.label,
    revealedAt: formatTime(event.at),
    ip: event.ip,
    userAgent: event.userAgent || 'unknown browser',
  });
  draft.audit({
    action: 'secret-revealed',
    actor: event.identity ?? null,
    outcome: 'revealed',
    rules: ['one-time-link'],
    // A prefix of the link's id tells links apart in the trail without being a way to look one up.
    detail: { label: event.label, ip: event.ip, userAgent: event.userAgent, link: event.linkId.slice(0, 12) },
  });
}

/**
 * Someone who is not the requester signed in to open a bound link: nothing was shown, but the
 * requester and the desk should know someone tried; the link keeps working for the requester.
 */
export function onLinkRefused(draft: Draft, event: LinkRefused): void {
  draft.comment('secret-link-refused', {
    label: event.label,
    at: formatTime(event.at),
    ip: event.ip,
    userAgent: event.userAgent || 'unknown browser',
  });
  draft.audit({
    action: 'secret-link-refused',
    actor: event.identity,
    outcome: 'not-the-requester',
    rules: ['one-time-link', 'bound-to-requester'],
    detail: { label: event.label, ip: event.ip, userAgent: event.userAgent, link: event.linkId.slice(0, 12) },
  });
}
