import type { Actor, TicketReply } from '../domain/ticket';
import type { CredentialRequest } from '../domain/request';
import type { Draft } from './draft';
import type { DecideContext } from './decide';
import { formatDuration, parseDuration } from '../policy/parse-duration';
import { approvalsView, formatTime, grantTime, remainingView, stepsView } from './views';
import { schedule, unschedule } from './timers';
import { names, stepFor } from './approval-step';

/** A command is the first non-empty line of a reply, starting with a slash and a word. */
export interface LifecycleCommand {
  name: string;
  args: string;
}

export function parseCommand(body: string): LifecycleCommand | null {
  const first =
    body
      .split(/\r?\n/)
      .find((l) => l.trim())
      ?.trim() ?? '';
  const m = /^\/([a-z][a-z-]*)\b\s*(.*)$/i.exec(first);
  return m ? { name: m[1].toLowerCase(), args: m[2].trim().slice(0, 200) } : null;
}

/** The id a reply is remembered by; replies from connectors without ids fall back to their content. */
export const replyId = (reply: TicketReply): string =>
  reply.id ?? `${reply.author.id}@${reply.at}#${reply.body.length}`;

const KNOWN = ['status', 'revoke', 'extend', 'delegate'];

/**
 * Acts on lifecycle commands in replies not read before: `/status`, `/revoke [reason]`,
 * `/extend <duration> [reason]`. Unknown or unauthorized commands get a short reply, never silence.
 * `elsewhere` lists commands the connector already turns into status changes (GitHub's /approve).
 */
export function onReplies(
  draft: Draft,
  replies: TicketReply[],
  groupsByActor: Record<string, string[]>,
  ctx: DecideContext,
  elsewhere: string[] = [],
): void {
  const r = draft.request;
  // A request stored before replies were tracked reads none of its old replies as commands.
  const first = r.seenReplies === undefined;
  const seen = new Set(r.seenReplies ?? []);
  if (first) {
    r.seenReplies = [];
    draft.touch();
  }
  for (const reply of replies) {
    // Only commands are remembered: an ordinary reply changes nothing and costs no write.
    const command = parseCommand(reply.body);
    const id = replyId(reply);
    if (!command || seen.has(id)) continue;
    seen.add(id);
    r.seenReplies = [...(r.seenReplies ?? []), id];
    draft.touch();
    if (first || elsewhere.includes(command.name)) continue;
    runCommand(draft, command, reply.author, groupsByActor[reply.author.id] ?? [], ctx);
  }
}

function runCommand(draft: Draft, command: LifecycleCommand, actor: Actor, groups: string[], ctx: DecideContext): void {
  const r = draft.request;
  const reply = (outcome: string, message: string) => {
    draft.comment('command-reply', { actor: actor.displayName, command: `/${command.name}`, message });
    draft.audit({
      action: 'command',
      actor: actor.id,
      outcome,
      rules: [`command-${KNOWN.includes(command.name) ? command.name : 'unknown'}`],
      detail: { command: command.name },
    });
  };
  if (!KNOWN.includes(command.name)) {
    return reply(
      'unknown',
      `credgate does not know /${command.name}. It understands /status, /revoke, /extend <duration> (for example /extend 2h) and /delegate @person until <date>.`,
    );
  }
  if (command.name === 'status') return status(draft, actor, ctx);

  const isRequester = r.requester !== null && actor.id === r.requester.id;
  const isApprover = stepFor(r, actor, groups, false) !== null;
  if (!isRequester && !isApprover) {
    return reply('unauthorized', `only the requester or an approver of this request can use /${command.name}.`);
  }
  if (command.name === 'delegate') {
    // The requester may sit in an approver group, but has no approval of their own to hand on.
    if (!isApprover || isRequester)
      return reply('unauthorized', 'only an approver of this request can delegate their approval.');
    return delegate(draft, actor, groups, command.args, ctx, reply);
  }
  if (command.name === 'revoke') return revoke(draft, actor, command.args, reply);
  return extend(draft, actor, command.args, isRequester, ctx, reply);
}

function status(draft: Draft, actor: Actor, ctx: DecideContext): void {
  const r = draft.request;
  const left = r.state === 'granted' && r.expiresAt ? Math.max(0, Date.parse(r.expiresAt) - ctx.now.getTime()) : null;
  draft.comment('request-status', {
    actor: actor.displayName,
    state: describeState(r),
    risk: r.risk.toUpperCase(),
    approvals: approvalsView(r),
    remaining: r.state === 'pending-approval' ? remainingView(r) : [],
    expiresAt: r.expiresAt ? grantTime(r, r.expiresAt) : null,
    left: left === null ? null : formatDuration(left),
    extension: r.extension ? formatDuration(r.extension.ms) : null,
  });
  draft.audit({ action: 'command', actor: actor.id, outcome: 'status', rules: ['command-status'] });
}

function revoke(draft: Draft, actor: Actor, args: string, reply: (o: string, m: string) => void): void {
  const r = draft.request;
  const reason = `revoked early by ${actor.displayName}${args ? `: ${args}` : ''}`;
  if (r.state === 'revocation-failed') {
    // A person asks to try again after every retry failed.
    r.state = 'revoked';
    draft.add({ kind: 'revoke', reason: `retry requested by ${actor.displayName}` });
    draft.add({ kind: 'set-status', position: 'revoked' });
    draft.comment('access-revoked', {
      reason: `revocation retried at the request of ${actor.displayName}`,
      early: true,
      grantedAt: grantTime(r, r.grantedAt),
      expiresAt: grantTime(r, r.expiresAt),
    });
    draft.audit({ action: 'revocation-retried', actor: actor.id, outcome: 'revoked', rules: ['command-revoke'] });
    return;
  }
  if (r.state !== 'granted')
    return reply('refused', `there is no active access to revoke (the request is ${describeState(r)}).`);
  r.state = 'revoked';
  r.endedAt = r.updatedAt;
  r.endReason = reason;
  r.extension = null;
  unschedule(draft, 'expiry');
  unschedule(draft, 'reminder');
  draft.add({ kind: 'revoke', reason });
  draft.add({ kind: 'set-status', position: 'revoked' });
  draft.comment('access-revoked', {
    reason,
    early: true,
    grantedAt: grantTime(r, r.grantedAt),
    expiresAt: grantTime(r, r.expiresAt),
  });
  draft.audit({
    action: 'access-revoked',
    actor: actor.id,
    outcome: 'revoked',
    rules: ['command-revoke'],
    detail: { expiresAt: r.expiresAt },
  });
}

function extend(
  draft: Draft,
  actor: Actor,
  args: string,
  isRequester: boolean,
  ctx: DecideContext,
  reply: (o: string, m: string) => void,
): void {
  const r = draft.request;
  if (r.state !== 'granted' || !r.expiresAt || !r.grantedAt) {
    return reply('refused', `only active access can be extended (the request is ${describeState(r)}).`);
  }
  if (r.extension)
    return reply('refused', `an extension of ${formatDuration(r.extension.ms)} is already waiting for approval.`);
  const ms = parseDuration(args.split(/\s+/)[0] ?? '');
  if (ms === null || ms <= 0) return reply('bad-input', 'say how much longer, for example /extend 2h or /extend 30m.');

  const cap = ctx.policy.overlay(r.overlay).maxGrantMs(r.category.id, r.risk);
  const total = Date.parse(r.expiresAt) + ms - Date.parse(r.grantedAt);
  if (total <= cap) return applyExtension(draft, ms, actor, ['extend-within-policy'], ctx);

  // Beyond what policy allows unapproved: the approvers decide, access runs on meanwhile.
  r.extension = { ms, requestedBy: actor, requestedAt: ctx.now.toISOString(), approvals: [] };
  draft.add({ kind: 'set-status', position: 'pending-approval' });
  draft.comment('extension-requested', {
    actor: actor.displayName,
    extension: formatDuration(ms),
    cap: formatDuration(cap),
    expiresAt: grantTime(r, r.expiresAt),
    steps: stepsView(r.steps),
    byApprover: !isRequester,
  });
  draft.audit({
    action: 'extension-requested',
    actor: actor.id,
    outcome: 'pending-approval',
    rules: ['extend-beyond-policy'],
    detail: { ms, capMs: cap },
  });
}

/** Moves the expiry later, re-arms the timers and tells the provider the new end. */
export function applyExtension(draft: Draft, ms: number, actor: Actor, rules: string[], ctx: DecideContext): void {
  const r = draft.request;
  const previous = r.expiresAt as string;
  const expiresAt = new Date(Date.parse(previous) + ms);
  r.expiresAt = expiresAt.toISOString();
  r.extension = null;
  schedule(draft, 'expiry', expiresAt);
  unschedule(draft, 'reminder');
  if (expiresAt.getTime() - ctx.now.getTime() > ctx.policy.reminderBeforeMs) {
    schedule(draft, 'reminder', new Date(expiresAt.getTime() - ctx.policy.reminderBeforeMs));
  }
  // The provider sees the new end: account expiries and the overlapping-grant ledger follow it.
  draft.add({ kind: 'grant', expiresAt: r.expiresAt, extension: true });
  draft.add({ kind: 'set-status', position: 'granted' });
  draft.comment('access-extended', {
    actor: actor.displayName,
    extension: formatDuration(ms),
    previous: grantTime(r, previous),
    expiresAt: grantTime(r, r.expiresAt),
  });
  draft.audit({
    action: 'access-extended',
    actor: actor.id,
    outcome: 'granted',
    rules,
    detail: { ms, previous, expiresAt: r.expiresAt },
  });
}

/**
 * `/delegate @person until <date>`: while it runs, the person may approve in the approver's place
 * (for the steps the approver could sign), counted as the approver's one vote. A date alone means
 * through the end of that day (UTC).
 */
function delegate(
  draft: Draft,
  actor: Actor,
  groups: string[],
  args: string,
  ctx: DecideContext,
  reply: (o: string, m: string) => void,
): void {
  const r = draft.request;
  const m = /^@?(.+?)\s+until\s+(\S+)$/i.exec(args);
  const until = m ? untilOf(m[2]) : null;
  if (!m || until === null) {
    return reply('bad-input', 'say who and until when, for example /delegate @Jane Doe until 2026-12-24.');
  }
  const to = m[1].trim();
  if (until <= ctx.now.getTime()) return reply('bad-input', `${m[2]} has already passed.`);
  if (r.state !== 'pending-approval' && !(r.state === 'granted' && r.extension)) {
    return reply('refused', `there is nothing to approve (the request is ${describeState(r)}).`);
  }
  if (names(to, actor)) return reply('bad-input', 'you cannot delegate to yourself.');
  if (r.requester && names(to, r.requester)) {
    return reply('refused', `${r.requester.displayName} filed this request, and nobody approves their own request.`);
  }
  const record = {
    from: actor,
    fromGroups: groups,
    to,
    until: new Date(until).toISOString(),
    at: ctx.now.toISOString(),
  };
  r.delegations = [...(r.delegations ?? []).filter((d) => d.from.id !== actor.id), record];
  draft.comment('approval-delegated', { actor: actor.displayName, to, until: formatTime(record.until) });
  draft.audit({
    action: 'approval-delegated',
    actor: actor.id,
    outcome: 'delegated',
    rules: ['command-delegate'],
    detail: { to, until: record.until },
  });
}

/** "2026-12-24" (through that day, UTC) or a full ISO time; null when neither. */
function untilOf(text: string): number | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(day) ? null : day + 86_400_000;
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

export function describeState(r: CredentialRequest): string {
  switch (r.state) {
    case 'awaiting-info':
      return 'waiting for the requester to complete it';
    case 'pending-approval':
      return 'waiting for approval';
    case 'granted':
      return r.extension ? 'granted, with an extension waiting for approval' : 'granted';
    case 'revocation-failed':
      return 'revocation failed: access may still exist';
    default:
      return r.state;
  }
}
