import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

/** People the test identity provider knows: login name → claims. */
export interface OidcAccount {
  email: string;
  name: string;
  emailVerified?: boolean;
  groups?: string[];
}

export const OIDC_CLIENT = { id: 'credgate', secret: 'oidc-client-secret-5c2e8a1f9d3b7e4a6c0f2d8b' };

type ProviderClass = new (
  issuer: string,
  config: Record<string, unknown>,
) => {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  proxy: boolean;
};

/**
 * panva's oidc-provider (a certified OpenID Provider) on a loopback port, with its development
 * login and consent pages: any password signs in the login typed. The port is taken first so
 * credgate can be configured with the issuer; the client is registered once credgate's redirect
 * URI is known. `delayTokenResponseMs` holds the token endpoint's answer back (an id token
 * that expires on the way).
 */
export class TestOidcProvider {
  private server!: Server;
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  issuer = '';
  delayTokenResponseMs = 0;
  /** Rewrites the redirect back to credgate (a tampered state, say). */
  tamperRedirect: ((location: string) => string) | null = null;
  readonly tokenRequests: string[] = [];

  constructor(
    private readonly accounts: Record<string, OidcAccount>,
    private readonly idTokenTtlSeconds = 300,
  ) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      if (!this.handler) return void res.writeHead(503).end();
      if (req.url?.startsWith('/token')) {
        this.tokenRequests.push(req.url);
        if (this.delayTokenResponseMs > 0) {
          const end = res.end.bind(res);
          (res as unknown as { end: (...a: unknown[]) => void }).end = (...args: unknown[]) => {
            setTimeout(() => end(...(args as [])), this.delayTokenResponseMs);
          };
        }
      }
      if (this.tamperRedirect) {
        const tamper = this.tamperRedirect;
        const setHeader = res.setHeader.bind(res);
        res.setHeader = (name: string, value: number | string | readonly string[]) =>
          setHeader(name, name.toLowerCase() === 'location' && typeof value === 'string' ? tamper(value) : value);
      }
      this.handler(req, res);
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', () => ok()));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.issuer;
  }

  /** Registers credgate as a confidential client with its callback. */
  register(redirectUris: string[]): void {
    const loaded = require('oidc-provider') as { default?: ProviderClass } & ProviderClass;
    const Provider = loaded.default ?? loaded;
    const accounts = this.accounts;
    const provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: OIDC_CLIENT.id,
          client_secret: OIDC_CLIENT.secret,
          redirect_uris: redirectUris,
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      findAccount: async (_ctx: unknown, id: string) => {
        const a = accounts[id];
        if (!a) return undefined;
        return {
          accountId: id,
          claims: async () => ({
            sub: id,
            email: a.email,
            email_verified: a.emailVerified ?? true,
            name: a.name,
            groups: a.groups ?? [],
          }),
        };
      },
      ttl: { IdToken: this.idTokenTtlSeconds },
      cookies: { keys: ['test-oidc-cookie-key-1a2b3c4d5e6f'] },
      features: { devInteractions: { enabled: true } },
    });
    this.handler = provider.callback();
  }

  stop = () => new Promise<void>((ok) => this.server.close(() => ok()));
}

/** Signs in on the provider's development pages as `login`, consenting when asked. */
export async function signInAt(page: Page, login: string): Promise<void> {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  // The consent page, on the first sign-in of this account for the client.
  if (page.url().includes('/interaction/')) {
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
}
