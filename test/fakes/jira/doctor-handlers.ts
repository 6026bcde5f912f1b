/**
 * The read-only endpoints `credgate doctor` asks Jira about a setup: the bot's permissions, a
 * project's statuses per issue type, the fields. Shapes follow Atlassian's reference
 * (PermissionsKeysBean → Permissions, IssueTypeWithStatus, FieldDetails).
 */
import type { RestContext, RestResult } from './rest-handlers';
import { issueTypeJson, statusJson } from './jira-render';
import { jiraError } from './jira-format';

type Handler = (ctx: RestContext) => RestResult;

const SYSTEM_FIELDS: Array<{ id: string; name: string; type: string }> = [
  { id: 'summary', name: 'Summary', type: 'string' },
  { id: 'description', name: 'Description', type: 'string' },
  { id: 'labels', name: 'Labels', type: 'array' },
  { id: 'duedate', name: 'Due date', type: 'date' },
  { id: 'status', name: 'Status', type: 'status' },
  { id: 'reporter', name: 'Reporter', type: 'user' },
];

const query = (ctx: RestContext, name: string): string | undefined => {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
};

export const doctorHandlers: Record<string, Handler> = {
  getMyPermissions: (ctx) => {
    const key = query(ctx, 'projectKey') ?? query(ctx, 'projectId');
    if (key !== undefined && !ctx.state.project(key))
      return { status: 404, body: jiraError([`No project could be found with key '${key}'.`]) };
    const permissions: Record<string, unknown> = {};
    for (const name of (query(ctx, 'permissions') ?? '').split(',').filter(Boolean)) {
      permissions[name] = {
        id: name,
        key: name,
        name,
        type: 'PROJECT',
        description: '',
        havePermission: ctx.state.botHolds(name),
      };
    }
    return { status: 200, body: { permissions } };
  },

  getAllStatuses: (ctx) => {
    const project = ctx.state.project(ctx.pathParams.projectIdOrKey ?? '');
    if (!project)
      return {
        status: 404,
        body: jiraError([`No project could be found with key '${ctx.pathParams.projectIdOrKey}'.`]),
      };
    return {
      status: 200,
      body: ctx.state.knownIssueTypes().map((name) => {
        const type = issueTypeJson(ctx.state, name, ctx.version);
        return {
          self: type.self,
          id: type.id,
          name,
          subtask: false,
          statuses: ctx.state.statusNames.map((s) => statusJson(ctx.state, s, ctx.version)),
        };
      }),
    };
  },

  getFields: (ctx) => ({
    status: 200,
    body: [
      ...SYSTEM_FIELDS.map((f) => ({
        id: f.id,
        key: f.id,
        name: f.name,
        custom: false,
        orderable: true,
        navigable: true,
        searchable: true,
        clauseNames: [f.id],
        schema: { type: f.type, system: f.id },
      })),
      ...ctx.state.customFields().map((f) => ({
        id: f.id,
        key: f.id,
        name: f.name,
        custom: true,
        orderable: true,
        navigable: true,
        searchable: true,
        clauseNames: [`cf[${f.id.replace('customfield_', '')}]`, f.name],
        schema: {
          type: f.type,
          custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield',
          customId: Number(f.id.replace('customfield_', '')),
        },
      })),
    ],
  }),
};
