import * as oidc from 'openid-client';
import { CredgateError } from '../util/errors';
import type { OidcConfig } from './oidc-config';

/** What the browser must bring back to finish a sign-in; kept server-side, never in the URL. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
}

/** The verified id token's claims: iss, aud, exp, nonce and signature checked against the JWKS. */
export type IdClaims = Record<string, unknown> & { sub: string; iss: string };

/**
 * The relying party: builds the authorization URL (state, nonce, PKCE S256) and completes the
 * callback with openid-client, which verifies the id token against the issuer's JWKS. Discovery is
 * lazy and retried, so credgate starts while the identity provider is down.
 */
export function createOidcSignIn(config: OidcConfig, extraClaims: string[] = []) {
  let discovered: Promise<oidc.Configuration> | null = null;
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        new URL(config.issuer),
        config.clientId,
        { client_secret: config.clientSecret, [oidc.clockTolerance]: config.clockToleranceSeconds },
        undefined,
        config.issuer.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = null;
        throw new CredgateError(
          'transient',
          `the identity provider ${new URL(config.issuer).host} cannot be reached (${(err as Error).message})`,
        );
      });
    return discovered;
  };

  return {
    async begin(redirectUri: string): Promise<{ url: string; pending: PendingSignIn }> {
      const c = await configuration();
      const pending: PendingSignIn = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        redirectUri,
      };
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: config.scopes.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    /** Exchanges the code; throws 'auth' for anything the provider or the id token gets wrong. */
    async complete(callbackUrl: URL, pending: PendingSignIn): Promise<IdClaims> {
      const c = await configuration();
      try {
        // redirect_uri as sent, not as rebuilt from the callback (a proxy may change the URL).
        const tokens = await oidc.authorizationCodeGrant(
          c,
          callbackUrl,
          {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: true,
          },
          { redirect_uri: pending.redirectUri },
        );
        const claims = tokens.claims();
        if (!claims) throw new Error('no id token');
        // Providers may keep email and groups out of the id token (oidc-provider does by default):
        // then read them from the userinfo endpoint, bound to the same subject.
        const wanted = [config.requester.claim, ...extraClaims];
        if (wanted.some((c) => claims[c] === undefined) && c.serverMetadata().userinfo_endpoint) {
          const info = await oidc.fetchUserInfo(c, tokens.access_token, claims.sub);
          return { ...info, ...claims, ...pick(info, wanted) } as IdClaims;
        }
        return claims as IdClaims;
      } catch (err) {
        // The provider's own words (an error code) are safe; the code and tokens are never quoted.
        const reason = err instanceof oidc.AuthorizationResponseError ? err.error : (err as Error).message;
        throw new CredgateError('auth', `sign-in failed: ${String(reason).slice(0, 200)}`);
      }
    },
  };
}

export type OidcSignIn = ReturnType<typeof createOidcSignIn>;

/** The person named by the claims, as the configured requester field reads it; null if unusable. */
export function identityOf(claims: IdClaims, config: OidcConfig): string | null {
  const value = claims[config.requester.claim];
  if (typeof value !== 'string' || value === '') return null;
  if (config.requester.field === 'email') {
    if (config.requester.requireVerifiedEmail && claims.email_verified !== true) return null;
    return value.toLowerCase();
  }
  return value;
}

const pick = (from: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]]));
