import { z } from 'zod';

const LOOPBACK = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/**
 * `oidc:` an OpenID Connect provider people sign in with (Entra ID, Okta, Google Workspace,
 * Keycloak, Authentik): one-time links bound to the requester, and the service-desk page.
 * credgate is a confidential client using the authorization code flow with PKCE.
 */
export const oidcConfigSchema = z
  .object({
    /** The issuer URL; its /.well-known/openid-configuration is read at first use. */
    issuer: z
      .url()
      .refine(
        (u) => u.startsWith('https://') || LOOPBACK.test(u),
        'expected an https:// issuer (plain http only on a loopback address, for development)',
      ),
    clientId: z.string().min(1),
    /** CREDGATE_OIDC_CLIENT_SECRET or CREDGATE_OIDC_CLIENT_SECRET_FILE. */
    clientSecret: z.string().min(1),
    scopes: z.array(z.string().regex(/^[!#-[\]-~]+$/)).default(['openid', 'email', 'profile']),
    /**
     * How a signed-in person is matched to the ticket's requester: the id token claim to read and
     * the requester field it must equal. `email` needs `email_verified: true` unless
     * `requireVerifiedEmail` is false (Entra ID sends no email_verified).
     */
    requester: z
      .object({
        claim: z.string().min(1).default('email'),
        field: z.enum(['email', 'id']).default('email'),
        requireVerifiedEmail: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    /** Seconds of clock difference tolerated on the id token's iat/exp. */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  })
  .strict();

export type OidcConfig = z.infer<typeof oidcConfigSchema>;
