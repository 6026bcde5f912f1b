/**
 * One thing `credgate doctor` and `/readyz` verify about a setup. `run` resolves with what it saw
 * when the check passes and throws a SetupProblem (what is wrong, and what to change) when not;
 * any other error counts as a failure too, its message shown as it is.
 */
export interface SetupCheck {
  /** Stable, dotted name ("jira.statuses", "provider.corp-ad.bind"); /readyz lists failing ones. */
  name: string;
  /**
   * A dependency check (a server answers, a store takes writes) can fail and recover while the
   * service runs, so /readyz runs it; the others check configuration and run in `doctor` only.
   */
  dependency?: boolean;
  run(): Promise<string>;
}

/** A check that failed with advice: `message` says what is wrong, `fix` what to change. */
export class SetupProblem extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'SetupProblem';
  }
}

export interface CheckResult {
  name: string;
  ok: boolean;
  message: string;
  fix?: string;
  /** How long the check took, so a slow dependency shows. */
  ms: number;
}

/** What connectors and providers learn about the setup when they build their checks. */
export interface SetupNeeds {
  /** Every group the policy asks to approve (approval steps, review approvers). */
  approverGroups: string[];
  /** The URL webhooks should point at (server.publicUrl), when configured. */
  publicUrl?: string;
}
