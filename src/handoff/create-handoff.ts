import { CredgateError } from '../util/errors';
import { normalizeInline } from '../render/inline-text';
import { boxAad, handoffRouter } from './handoff-router';
import { LinkStore } from './link-store';
import { linkIdOf, newToken, shortId } from './link-token';
import { sealSecret } from './secret-box';
import type { Handoff, HandoffDeps, IssueInput, IssuedLink, LinkRecord } from './types';

const MAX_SECRET_BYTES = 64 * 1024;
const MAX_LABEL = 200;

/**
 * One-time links for secrets a provider produced. The secret is sealed under a key derived from
 * the configured key and the link's token; the store keeps only SHA-256(token) and the box, so
 * neither the store alone nor the store plus the configured key can open it without the URL.
 *
 * Idempotency: a retried issue (same idempotencyKey, after a crash or a timeout) cannot return
 * the first URL, because the token was never stored. It issues a new link and retires every
 * earlier, unrevealed link of that key, so at most one link per effect is ever live and the URL
 * the retry posts is the one that works. A link already revealed stays revealed (its secret is
 * gone from the store); the retry's link then carries the secret once more.
 */
export function createHandoff(deps: HandoffDeps): Handoff {
  const links = new LinkStore(deps.store);
  const path = deps.path ?? '/s';
  const base = () => (typeof deps.publicUrl === 'function' ? deps.publicUrl() : deps.publicUrl).replace(/\/+$/, '');
  if (deps.key && deps.key.length !== 32)
    throw new CredgateError('config', `the handoff key must be 32 bytes, not ${deps.key.length}`);
  if (!(deps.ttlMs > 0)) throw new CredgateError('config', 'handoff.ttl must be a positive duration');

  return {
    async issue(input: IssueInput): Promise<IssuedLink> {
      if (!deps.key) {
        throw new CredgateError(
          'config',
          'a secret cannot be handed off: no one-time link key is configured (set handoff.key or handoff.keyFile to 32 random bytes, base64 or hex); nothing was posted',
        );
      }
      const label = normalizeInline(input.label).slice(0, MAX_LABEL);
      if (!label) throw new CredgateError('permanent', 'a one-time link needs a label saying what the secret is');
      if (!input.idempotencyKey) throw new CredgateError('permanent', 'a one-time link needs an idempotency key');
      if (typeof input.secret !== 'string' || input.secret.length === 0)
        throw new CredgateError('permanent', `the secret for "${label}" is empty; no link was issued`);
      if (Buffer.byteLength(input.secret, 'utf8') > MAX_SECRET_BYTES)
        throw new CredgateError(
          'permanent',
          `the secret for "${label}" is larger than ${MAX_SECRET_BYTES} bytes; no link was issued`,
        );

      // Before anything is stored: a requester who cannot be bound gets no link at all.
      const boundTo = deps.bindTo?.(input) ?? null;
      const now = deps.clock();
      const expiresAt = linkExpiry(now, deps.ttlMs, input.expiresAt);
      const token = newToken();
      const id = linkIdOf(token);
      // Recorded first, retired second, written last: a crash at any point leaves at most one
      // live link per key, and a retry finds every link it must retire in the list.
      const earlier = await links.recordIssue(input.idempotencyKey, id, expiresAt);
      for (const old of earlier) {
        const outcome = await links.retire(old, now.toISOString(), expiresAt);
        deps.log.info(
          { link: shortId(old), requestId: input.requestId, outcome },
          'one-time link replaced by a retried issue',
        );
      }
      const record: LinkRecord = {
        kind: 'link',
        version: 0,
        state: 'live',
        requestId: input.requestId,
        ticket: input.ticket,
        label,
        createdAt: now.toISOString(),
        expiresAt,
        box: sealSecret(input.secret, { key: deps.key, token }, boxAad(id, input.requestId)),
        ...(boundTo ? { boundTo } : {}),
      };
      if (!(await links.createLink(id, record))) {
        throw new CredgateError(
          'conflict',
          'a newer attempt of the same hand-off replaced this link before it was stored; the newer link stands',
        );
      }
      deps.log.info(
        { link: shortId(id), requestId: input.requestId, ticket: input.ticket.key, expiresAt, bound: Boolean(boundTo) },
        'one-time link issued',
      );
      return { url: `${base()}${path}/${token}`, expiresAt };
    },

    router: () =>
      handoffRouter({
        key: deps.key,
        store: deps.store,
        clock: deps.clock,
        log: deps.log,
        onRevealed: deps.onRevealed,
        onRefused: deps.onRefused,
        signIn: deps.signIn ?? null,
        publicBase: base,
        rateLimit: deps.rateLimit,
        path,
        links,
      }),

    purgeExpired: () => links.purgeExpired(deps.clock()),
  };
}

/** min(now + ttl, end of the grant); refuses a grant that has already ended. */
function linkExpiry(now: Date, ttlMs: number, grantEnds: string | null): string {
  let end = now.getTime() + ttlMs;
  if (grantEnds !== null) {
    const grant = Date.parse(grantEnds);
    if (Number.isNaN(grant))
      throw new CredgateError('permanent', `the grant's end "${grantEnds}" is not a date; no link was issued`);
    end = Math.min(end, grant);
  }
  if (end <= now.getTime()) throw new CredgateError('permanent', 'the grant has already ended; no link was issued');
  return new Date(end).toISOString();
}
