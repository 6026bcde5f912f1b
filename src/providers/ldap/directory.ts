import type { ConnectionOptions } from 'node:tls';
import { Attribute, Change, Client, type Entry } from 'ldapts';
import { CredgateError } from '../../util/errors';
import { PASSWORD_MODIFY_OID, passwordModifyRequest } from './encodings';
import { toCredgateError } from './errors';

export interface DirectoryOptions {
  provider: string;
  url: string;
  bindDN: string;
  bindPassword: string;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  tlsOptions?: ConnectionOptions;
  startTLS: boolean;
}

/** One attribute change: `values: []` with replace removes the attribute, present or not. */
export interface AttributeChange {
  operation: 'add' | 'delete' | 'replace';
  type: string;
  values: string[] | Buffer[];
}

/**
 * A bound connection for one provider call, with one method per LDAP operation credgate uses.
 * Every failure leaves as a CredgateError naming the action; `secrets` lists the values in play
 * (bind password, a new password) that must be scrubbed from any message.
 */
export class Directory {
  constructor(
    private readonly client: Client,
    private readonly options: DirectoryOptions,
    private readonly secrets: string[],
  ) {}

  private async run<T>(action: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw toCredgateError(err, {
        action,
        provider: this.options.provider,
        bindDN: this.options.bindDN,
        secrets: this.secrets,
      });
    }
  }

  /** Adds a value to keep secret for the rest of this connection (a freshly generated password). */
  addSecret(value: string): void {
    this.secrets.push(value);
  }

  /**
   * The one entry under `baseDN` matching `filter`, or null when none does; several matches are a
   * 'permanent' error (a filter that matches two people must not act on either).
   */
  async findAtMostOne(baseDN: string, filter: string, attributes: string[], what: string): Promise<Entry | null> {
    const action = `looking up ${what} with ${filter} under ${baseDN}`;
    // With a size limit, ldapts returns the entries found so far instead of throwing sizeLimitExceeded.
    const { searchEntries } = await this.run(action, () =>
      this.client.search(baseDN, { scope: 'sub', filter, attributes, sizeLimit: 2 }),
    );
    if (searchEntries.length > 1)
      throw new CredgateError(
        'permanent',
        `ldap provider ${this.options.provider}: several directory entries match ${what} (${filter}); make the filter match exactly one`,
        { code: 'ldap-ambiguous' },
      );
    return searchEntries[0] ?? null;
  }

  /** Like findAtMostOne, with no match a 'permanent' error. */
  async findOne(baseDN: string, filter: string, attributes: string[], what: string): Promise<Entry> {
    const entry = await this.findAtMostOne(baseDN, filter, attributes, what);
    if (!entry)
      throw new CredgateError(
        'permanent',
        `ldap provider ${this.options.provider}: no directory entry for ${what} (${filter} under ${baseDN})`,
        { code: 'ldap-no-entry' },
      );
    return entry;
  }

  /** The entry at `dn`, or null when it does not exist. */
  async read(dn: string, attributes: string[], what: string): Promise<Entry | null> {
    return this.run(`reading ${what} ${dn}`, async () => {
      try {
        const { searchEntries } = await this.client.search(dn, {
          scope: 'base',
          filter: '(objectClass=*)',
          attributes,
        });
        return searchEntries[0] ?? null;
      } catch (err) {
        if ((err as { code?: number }).code === 32) return null;
        throw err;
      }
    });
  }

  async modify(dn: string, changes: AttributeChange[], action: string): Promise<void> {
    await this.run(action, () =>
      this.client.modify(
        dn,
        changes.map(
          (c) =>
            new Change({ operation: c.operation, modification: new Attribute({ type: c.type, values: c.values }) }),
        ),
      ),
    );
  }

  /** Whether the entry holds this value (matched with the attribute's own equality rule). */
  async compare(dn: string, type: string, value: string, action: string): Promise<boolean> {
    return this.run(action, () => this.client.compare(dn, type, value));
  }

  /** Sets a password through the server's own hashing and policy (RFC 3062). */
  async passwordModify(dn: string, newPassword: string, action: string): Promise<void> {
    await this.run(action, () => this.client.exop(PASSWORD_MODIFY_OID, passwordModifyRequest(dn, newPassword)));
  }

  /** Connects (and upgrades with StartTLS when configured) and binds as the service account. */
  async bind(): Promise<void> {
    await this.run(`binding as ${this.options.bindDN}`, async () => {
      if (this.options.startTLS) await this.client.startTLS(this.options.tlsOptions ?? {});
      await this.client.bind(this.options.bindDN, this.options.bindPassword);
    });
  }

  async unbind(): Promise<void> {
    await this.client.unbind().catch(() => undefined);
  }
}

/**
 * A connection per provider call: a call is a handful of operations minutes or hours apart from
 * the next, so a pooled connection would mostly be an idle one the server or a firewall cuts.
 * `close()` unbinds the connections still in use.
 */
export function createDirectoryPool(options: DirectoryOptions) {
  const open = new Set<Directory>();
  return {
    async use<T>(fn: (dir: Directory) => Promise<T>): Promise<T> {
      const client = new Client({
        url: options.url,
        connectTimeout: options.connectTimeoutMs,
        timeout: options.operationTimeoutMs,
        // ldapts speaks TLS from the first byte whenever tlsOptions are given, even on ldap://.
        tlsOptions: /^ldaps:/i.test(options.url) ? options.tlsOptions : undefined,
      });
      const dir = new Directory(client, options, [options.bindPassword]);
      open.add(dir);
      try {
        await dir.bind();
        return await fn(dir);
      } finally {
        open.delete(dir);
        await dir.unbind();
      }
    },
    async close(): Promise<void> {
      await Promise.all([...open].map((dir) => dir.unbind()));
      open.clear();
    },
  };
}
