/**
 * Which provider acts for a request, and with what settings: chosen by the policy's `providers`
 * bindings (matched on systems, account, category). Settings are plain, non-secret strings from
 * policy (a group DN, a KV path, an argument list); secrets live in the provider's configuration.
 *
 * A domain type: the request carries it, the policy produces it, providers consume it. It lives
 * here so neither the domain nor the policy depends on the provider layer.
 */
export interface AccessTarget {
  /** Id of the policy binding that chose the provider, named in audit entries. */
  binding: string;
  /** Name of the configured provider instance (config `providers.<name>`). */
  provider: string;
  settings: Record<string, string>;
  /** Rotate the account's secret when the last grant covering it ends (shared accounts). */
  rotateOnRevoke: boolean;
  /** 'rotate': a grant sets a fresh password and hands it off through a one-time link. */
  share: 'none' | 'rotate';
}
