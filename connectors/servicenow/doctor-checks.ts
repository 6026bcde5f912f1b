import type { SetupCheck, SetupNeeds } from '../../src/doctor/check';
import { SetupProblem } from '../../src/doctor/check';
import { isCredgateError } from '../../src/util/errors';
import { checkListedGroups } from '../kit';
import type { ServiceNowClient } from './client';
import type { ServiceNowConfig } from './schema';

/** The setup ServiceNow must have for credgate (`credgate doctor`, /readyz). */
export function servicenowChecks(config: ServiceNowConfig, client: ServiceNowClient, needs: SetupNeeds): SetupCheck[] {
  const selfUser = config.username ?? '';
  return [
    {
      name: 'servicenow.auth',
      dependency: true,
      async run() {
        let me: Awaited<ReturnType<ServiceNowClient['findUser']>>;
        try {
          me = await client.findUser(selfUser);
        } catch (err) {
          if (isCredgateError(err, 'auth'))
            throw new SetupProblem(
              `ServiceNow refused credgate's credentials: ${(err as Error).message}`,
              'check SERVICENOW_USERNAME and SERVICENOW_PASSWORD (or the OAuth client), and that the user has the rest_service role',
            );
          throw new SetupProblem(
            `ServiceNow could not be reached: ${(err as Error).message}`,
            'check SERVICENOW_INSTANCE_URL, DNS and the network path',
          );
        }
        if (!me)
          throw new SetupProblem(
            `ServiceNow has no user "${selfUser}" readable by credgate`,
            "set SERVICENOW_USERNAME to credgate's user_name, and let it read sys_user",
          );
        return `signed in as ${selfUser}`;
      },
    },
    {
      name: 'servicenow.groups',
      async run() {
        if (!needs.approverGroups.length) return 'the policy names no approver group';
        if (config.groupMembers) return checkListedGroups('servicenow', config.groupMembers, needs.approverGroups);
        const missing: string[] = [];
        for (const group of needs.approverGroups) {
          // A name the encoded query cannot carry is refused by the client before anything is sent.
          const found = await client.queryRecords('sys_user_group', `name=${group}`, ['name']).catch((err) => {
            if (isCredgateError(err, 'bad-input')) return [];
            throw err;
          });
          if (!found.length) missing.push(group);
        }
        if (missing.length)
          throw new SetupProblem(
            `no ServiceNow group named ${missing.map((g) => `"${g}"`).join(', ')} (sys_user_group)`,
            'create the groups (User Administration → Groups) or fix the names in the policy; credgate must read sys_user_group',
          );
        return `${needs.approverGroups.join(', ')} exist`;
      },
    },
  ];
}
