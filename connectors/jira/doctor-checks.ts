import type { SetupCheck, SetupNeeds } from '../../src/doctor/check';
import { SetupProblem } from '../../src/doctor/check';
import { isCredgateError } from '../../src/util/errors';
import type { JiraClient } from './client';
import type { JiraConfig } from './schema';

/** What credgate does in a project: read tickets, comment, move them along the workflow. */
const PERMISSIONS = ['BROWSE_PROJECTS', 'ADD_COMMENTS', 'TRANSITION_ISSUES'];
/** Field types credgate can read a fact from: text, a select's option, a list (labels, multi-select). */
const FACT_FIELD_TYPES = ['string', 'option', 'array', 'any'];

/** The setup Jira must have for credgate, checked through its REST API (`credgate doctor`, /readyz). */
export function jiraChecks(config: JiraConfig, client: JiraClient, needs: SetupNeeds): SetupCheck[] {
  const projects = config.projects;
  const noProjects = 'jira.projects is empty, so there is no project to check';
  const statusNames = Object.entries(config.statuses)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([position, name]) => ({ position, name }));
  return [
    {
      name: 'jira.auth',
      dependency: true,
      async run() {
        let me: { accountId?: string; name?: string; displayName?: string };
        try {
          me = await client.myself();
        } catch (err) {
          if (isCredgateError(err, 'auth'))
            throw new SetupProblem(
              `Jira at ${config.baseUrl} refused credgate's credentials: ${err.message}`,
              config.apiToken
                ? 'check JIRA_EMAIL and JIRA_API_TOKEN (an API token of that account, id.atlassian.com → Security)'
                : 'check JIRA_PAT (a personal access token of the bot account)',
            );
          throw new SetupProblem(
            `Jira at ${config.baseUrl} could not be reached: ${(err as Error).message}`,
            'check JIRA_BASE_URL, DNS, the network path and the TLS certificate (a private CA needs NODE_EXTRA_CA_CERTS)',
          );
        }
        return `signed in as ${(me as { displayName?: string }).displayName ?? me.name ?? me.accountId}`;
      },
    },
    {
      name: 'jira.permissions',
      async run() {
        if (!projects.length) return `skipped: ${noProjects}`;
        const missing: string[] = [];
        for (const project of projects) {
          const held = await client.myPermissions(project, PERMISSIONS);
          for (const p of PERMISSIONS) if (!held[p]) missing.push(`${p} in ${project}`);
        }
        if (missing.length)
          throw new SetupProblem(
            `credgate's account lacks ${missing.join(', ')}`,
            "grant the bot account these permissions in the project's permission scheme (Project settings → Permissions)",
          );
        return `${PERMISSIONS.join(', ')} held in ${projects.join(', ')}`;
      },
    },
    {
      name: 'jira.statuses',
      async run() {
        if (!projects.length) return `skipped: ${noProjects}`;
        const problems: string[] = [];
        for (const project of projects) {
          const types = await client.projectStatuses(project);
          const wanted = config.issueTypes.length ? config.issueTypes : types.map((t) => t.issueType);
          for (const type of wanted) {
            const found = types.find((t) => t.issueType.toLowerCase() === type.toLowerCase());
            if (!found) {
              problems.push(
                `${project} has no issue type "${type}" (has: ${types.map((t) => t.issueType).join(', ') || 'none'})`,
              );
              continue;
            }
            const has = new Set(found.statuses.map((s) => s.toLowerCase()));
            for (const s of statusNames)
              if (!has.has(s.name.toLowerCase()))
                problems.push(
                  `"${s.name}" (jira.statuses.${s.position}) is not in the workflow of ${project} / ${type}`,
                );
          }
        }
        if (problems.length)
          throw new SetupProblem(
            problems.join('; '),
            'add the statuses to the workflow (readme: the workflow to create), or name the existing ones in jira.statuses',
          );
        return `every configured status is in the workflow of ${projects.join(', ')}`;
      },
    },
    {
      name: 'jira.fields',
      async run() {
        const configured = Object.entries(config.fields).filter((e): e is [string, string] => Boolean(e[1]));
        if (!configured.length) return 'no custom fields configured: facts are read from the description';
        const all = new Map((await client.fields()).map((f) => [f.id, f]));
        const problems: string[] = [];
        for (const [fact, id] of configured) {
          const field = all.get(id);
          if (!field) problems.push(`jira.fields.${fact}: no field "${id}" exists`);
          else if (!FACT_FIELD_TYPES.includes(field.type))
            problems.push(
              `jira.fields.${fact}: "${id}" (${field.name}) is of type ${field.type}, not text, a select or a list`,
            );
        }
        if (problems.length)
          throw new SetupProblem(
            problems.join('; '),
            'find the ids under Settings → Issues → Custom fields (or GET /rest/api/2/field) and fix jira.fields',
          );
        return configured.map(([fact, id]) => `${fact} → ${all.get(id)?.name}`).join(', ');
      },
    },
    {
      name: 'jira.groups',
      async run() {
        if (!needs.approverGroups.length) return 'the policy names no approver group';
        const problems: string[] = [];
        for (const group of needs.approverGroups) {
          if (config.groupMembers) {
            if (!config.groupMembers[group]) problems.push(`"${group}" is not listed in jira.groupMembers`);
            continue;
          }
          try {
            if ((await client.groupSize(group)) === 0)
              problems.push(`"${group}" has no members, so nobody can approve`);
          } catch (err) {
            if (!isCredgateError(err, 'not-found') && !isCredgateError(err, 'auth')) throw err;
            problems.push(`"${group}" does not exist or credgate's account may not read it`);
          }
        }
        if (problems.length)
          throw new SetupProblem(
            problems.join('; '),
            'create the groups in Jira (or fix the names in the policy), and give the bot the global permission "Browse users and groups"',
          );
        return `${needs.approverGroups.join(', ')} exist and have members`;
      },
    },
  ];
}
