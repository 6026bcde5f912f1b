import type { SetupCheck, SetupNeeds } from '../../src/doctor/check';
import { SetupProblem } from '../../src/doctor/check';
import { isCredgateError } from '../../src/util/errors';
import { checkListedGroups } from '../kit';
import type { ZendeskClient } from './client';
import type { ZendeskConfig } from './schema';

/** Internal notes and ticket updates need an agent (or admin) account; end-users cannot write them. */
const STAFF_ROLES = ['agent', 'admin'];

/** The setup Zendesk must have for credgate (`credgate doctor`, /readyz). */
export function zendeskChecks(config: ZendeskConfig, client: ZendeskClient, needs: SetupNeeds): SetupCheck[] {
  const me = () => client.me();
  return [
    {
      name: 'zendesk.auth',
      dependency: true,
      async run() {
        try {
          const user = await me();
          return `signed in as ${user.name ?? user.email ?? user.id}`;
        } catch (err) {
          if (isCredgateError(err, 'auth'))
            throw new SetupProblem(
              `Zendesk at ${config.baseUrl} refused credgate's credentials: ${(err as Error).message}`,
              'check ZENDESK_EMAIL and ZENDESK_API_TOKEN (Admin Center → Apps and integrations → Zendesk API)',
            );
          throw new SetupProblem(
            `Zendesk at ${config.baseUrl} could not be reached: ${(err as Error).message}`,
            'check the subdomain (ZENDESK_SUBDOMAIN or zendesk.baseUrl), DNS and the network path',
          );
        }
      },
    },
    {
      name: 'zendesk.permissions',
      async run() {
        const user = await me();
        if (!STAFF_ROLES.includes(user.role ?? ''))
          throw new SetupProblem(
            `credgate's account ${user.email ?? user.id} has the role "${user.role ?? 'none'}": only agents and admins may add internal notes and update tickets`,
            'make the bot account an agent (Admin Center → People → Team members)',
          );
        return `${user.email ?? user.id} is ${user.role === 'admin' ? 'an admin' : 'an agent'}`;
      },
    },
    {
      name: 'zendesk.groups',
      async run() {
        if (!needs.approverGroups.length) return 'the policy names no approver group';
        if (config.groupMembers) return checkListedGroups('zendesk', config.groupMembers, needs.approverGroups);
        const names = new Set((await client.listGroups()).map((g) => g.name));
        const missing = needs.approverGroups.filter((g) => !names.has(g));
        if (missing.length)
          throw new SetupProblem(
            `no Zendesk group named ${missing.map((g) => `"${g}"`).join(', ')} (has: ${[...names].join(', ') || 'none'})`,
            'create the groups (Admin Center → People → Groups) or fix the names in the policy',
          );
        return `${needs.approverGroups.join(', ')} exist`;
      },
    },
  ];
}
