import type { AccessProvider, AccountState } from '../../src/providers/types';
import type { AccessTarget } from '../../src/domain/access-target';

export const ROTATED_SECRET = 'rotated-Secret-9f8e7d6c5b4a';

/**
 * A provider that acts on nothing and records every call, with accounts whose state tests set:
 * enough to see what a review inspected, disabled or rotated.
 */
export class RecordingProvider implements AccessProvider {
  readonly type = 'recording';
  readonly calls: { op: string; account: string; binding?: string; reason?: string }[] = [];
  readonly states = new Map<string, AccountState>();

  constructor(readonly id: string) {}

  async grant(): Promise<void> {}
  async revoke(): Promise<void> {}

  async rotate(ctx: Parameters<AccessProvider['rotate']>[0]) {
    this.calls.push({ op: 'rotate', account: ctx.facts.account, binding: ctx.target.binding, reason: ctx.reason });
    return { secret: { label: `password for ${ctx.facts.account}`, value: ROTATED_SECRET } };
  }

  async inspect(target: AccessTarget, account: string): Promise<AccountState | null> {
    this.calls.push({ op: 'inspect', account, binding: target.binding });
    return this.states.get(account) ?? { account, exists: true, enabled: true };
  }

  async disable(target: AccessTarget, account: string, reason: string): Promise<void> {
    this.calls.push({ op: 'disable', account, binding: target.binding, reason });
    this.states.set(account, { ...(this.states.get(account) ?? { account, exists: true }), enabled: false });
  }

  changes(): { op: string; account: string }[] {
    return this.calls.filter((c) => c.op !== 'inspect').map(({ op, account }) => ({ op, account }));
  }
}
