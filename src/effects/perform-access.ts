import type Keyv from 'keyv';
import type { CredentialRequest } from '../domain/request';
import type { GrantEffect, RevokeEffect } from '../domain/effect';
import type { Connector } from '../../connectors/types';
import type { CommentRenderer } from '../render/comment-renderer';
import type { AuditLog } from '../audit/audit-log';
import type { AccessContext, AccessProvider, IssuedSecret } from '../providers/types';
import type { AccessLedger } from '../store/access-ledger';
import { accessKeyOf, accountKeyOf } from '../domain/overlapping-grants';
import { CredgateError } from '../util/errors';
import { formatTime } from '../engine/views';
import { LINK_PLACEHOLDER, insertLink } from '../render/trusted-link';
import type { Clock } from '../util/clock';

/** Hands a secret to a person through a one-time link (src/handoff). */
export interface SecretHandoff {
  issue(input: {
    requestId: string;
    ticket: CredentialRequest['ticket'];
    label: string;
    secret: string;
    expiresAt: string | null;
    idempotencyKey: string;
    requester?: CredentialRequest['requester'];
    categoryId?: string;
  }): Promise<{ url: string; expiresAt: string }>;
}

/** Keeps a shared password between overlapping grants, encrypted with a key outside the store. */
export interface SecretSealer {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

export interface AccessTargets {
  connector: Connector;
  renderer: CommentRenderer;
  audit: AuditLog;
  providerFor(name: string | null): AccessProvider;
  ledger: AccessLedger;
  handoff: SecretHandoff | null;
  sealer: SecretSealer | null;
  /** What each provider's grant reported (never secrets), by request id: revoke gets it back. */
  grantDetails: Keyv;
  /** Learns a secret so that no log line can carry it. */
  registerSecret(value: string): void;
  /** The service's clock: times in comments and audit entries. */
  clock: Clock;
}

function contextOf(request: CredentialRequest, key: string, expiresAt: string | null): AccessContext {
  return {
    requestId: request.id,
    ticket: request.ticket,
    requester: request.requester,
    facts: request.facts,
    expiresAt,
    target: request.access ?? {
      binding: 'builtin',
      provider: 'builtin',
      settings: {},
      rotateOnRevoke: false,
      share: 'none',
    },
    idempotencyKey: key,
  };
}

/**
 * Grants through the provider policy chose, recording the grant in the ledger of overlapping
 * grants first. A secret the provider yields (or a shared account's password) goes to the
 * requester through a one-time link posted on the ticket; the comment's reference is the effect's
 * key, so a retry after a crash finds it and does not hand out a second link.
 */
export async function performGrant(request: CredentialRequest, effect: GrantEffect, t: AccessTargets): Promise<void> {
  if ((effect.attempts ?? 0) > 1 && (await t.connector.hasComment(request.ticket, effect.key))) return;
  const target = request.access ?? null;
  const provider = t.providerFor(target?.provider ?? null);
  const key = accessKeyOf(request);
  const secret = await t.ledger.exclusive(key, async (): Promise<IssuedSecret | null> => {
    const held = await t.ledger.hold(key, request.id, effect.expiresAt);
    // The account stays enabled until the last overlapping grant ends.
    const ctx = contextOf(request, effect.key, held.until ?? effect.expiresAt);
    if (target?.share !== 'rotate') {
      await t.ledger.hold(accountKeyOf(request), request.id, effect.expiresAt);
      const result = await provider.grant(ctx);
      // What the provider made (a lease id, a wrapping accessor) is what its revoke needs back.
      if (result?.detail) await t.grantDetails.set(`grant-detail:${request.id}`, result.detail);
      return result?.secret ?? null;
    }
    // A shared account: the first holder gets a fresh password; overlapping holders share it.
    if (!t.sealer)
      throw new CredgateError(
        'config',
        'sharing an account password needs the one-time link key (handoff.key or handoff.keyFile)',
      );
    if (held.sealedSecret)
      return { label: `password for ${request.facts.account}`, value: t.sealer.open(held.sealedSecret, key) };
    const rotated = await provider.rotate({
      ...ctx,
      reason: `shared with ${request.requester?.displayName ?? 'the requester'} for ${request.ticket.key}`,
    });
    if (!rotated?.secret)
      throw new CredgateError('permanent', `provider ${provider.id} set no new password for ${request.facts.account}`);
    t.registerSecret(rotated.secret.value);
    await t.ledger.keepSecret(key, t.sealer.seal(rotated.secret.value, key));
    return rotated.secret;
  });
  if (!secret) return;
  t.registerSecret(secret.value);
  if (!t.handoff)
    throw new CredgateError(
      'config',
      'the provider handed out a secret but one-time links are not configured (handoff.key or handoff.keyFile)',
    );
  const link = await t.handoff.issue({
    requestId: request.id,
    ticket: request.ticket,
    label: secret.label,
    secret: secret.value,
    expiresAt: effect.expiresAt,
    idempotencyKey: effect.key,
    requester: request.requester,
    categoryId: request.category.id,
  });
  const body = t.renderer.render('secret-link', {
    requestId: request.id,
    ref: effect.key,
    ticketKey: request.ticket.key,
    at: formatTime(t.clock().toISOString()),
    label: secret.label,
    url: LINK_PLACEHOLDER,
    linkExpiresAt: formatTime(link.expiresAt),
  });
  await t.connector.postComment(request.ticket, insertLink(body, link.url, t.connector.markup), 'requester');
  await t.audit.append({
    action: 'secret-link-issued',
    actor: null,
    at: t.clock().toISOString(),
    outcome: 'issued',
    rules: ['one-time-link'],
    detail: { label: secret.label, linkExpiresAt: link.expiresAt },
    requestId: request.id,
    ticket: request.ticket,
    effectKey: `${effect.key}/link`,
  });
}

/**
 * Revokes through the provider, unless another active grant still covers the same access: then
 * the access stays and the audit trail says which grant keeps it. A shared account is rotated when
 * the last grant on it ends, so the password people saw stops working.
 */
export async function performRevoke(
  request: CredentialRequest,
  effect: RevokeEffect,
  t: AccessTargets,
): Promise<RevokeOutcome> {
  const target = request.access ?? null;
  const provider = t.providerFor(target?.provider ?? null);
  const key = accessKeyOf(request);
  const accountKey = accountKeyOf(request);
  const base = contextOf(request, effect.key, request.expiresAt);
  const detail = ((await t.grantDetails.get(`grant-detail:${request.id}`)) as Record<string, string> | undefined) ?? {};
  const ctx = {
    ...base,
    target: { ...base.target, settings: { ...base.target.settings, ...detail } },
    reason: effect.reason,
  };
  const audit = (suffix: string, action: string, detail: Record<string, unknown>) =>
    t.audit.append({
      action,
      actor: null,
      at: t.clock().toISOString(),
      outcome: action,
      rules: [],
      detail,
      requestId: request.id,
      ticket: request.ticket,
      effectKey: `${effect.key}/${suffix}`,
    });

  let outcome: RevokeOutcome = { kept: null };
  await t.ledger.exclusive(key, async () => {
    const remaining = await t.ledger.release(key, request.id);
    if (remaining.others.length && !provider.recordsEachGrant) {
      // Told back to the engine (an `access-kept` event), which audits which grant keeps it.
      outcome = { kept: { coveredBy: remaining.others, until: remaining.until } };
      return;
    }
    if (target?.share !== 'rotate') {
      const result = await provider.revoke(ctx);
      if (result?.detail) await audit('provider', 'provider-revoked', { provider: provider.id, ...result.detail });
    }
  });
  if (target?.share === 'rotate' || target?.rotateOnRevoke) {
    await t.ledger.exclusive(accountKey, async () => {
      // For a shared account the two keys are one: this sees the holders released above.
      const left = await t.ledger.release(accountKey, request.id);
      if (left.others.length) return;
      // Its own key: a receiver deduplicating on the key must not take the rotation for the revoke.
      const rotated = await provider.rotate({ ...ctx, idempotencyKey: `${effect.key}/rotate` });
      if (rotated?.secret) t.registerSecret(rotated.secret.value);
      // Nobody receives this password: it only makes the one people saw stop working.
      await audit('rotated', 'account-rotated', { provider: provider.id, account: request.facts.account });
    });
  } else {
    await t.ledger.release(accountKey, request.id);
  }
  return outcome;
}

/** What a revocation found: `kept` when another active grant still covers the access. */
export interface RevokeOutcome {
  kept: { coveredBy: string[]; until: string | null } | null;
}
