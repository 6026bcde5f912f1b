import type { NinjaOneState, TicketActivity } from './ninjaone-state';
import { parseMultipart } from './multipart';
import type { OpenApiContract } from './openapi-contract';
import type { LogEntryRow, TicketRow } from './types';

export interface ApiRequest {
  method: string;
  operationId: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  raw: Buffer | undefined;
  contentType: string;
}

export interface ApiResult {
  status: number;
  body?: unknown;
}

export interface ApiContext {
  contract: OpenApiContract;
  violation(message: string): void;
  emit(activity: TicketActivity): void;
  /** A script run was accepted: the fake completes it after its delay. */
  scheduleRun(finish: () => void): void;
}

/** NinjaOne's error body (Spring-style): { error, errorMessage, errorCode, incidentId }. */
const error = (status: number, errorMessage: string, errorCode = 'VALIDATION_ERROR'): ApiResult => ({
  status,
  body: { error: errorCode, errorMessage, errorCode, incidentId: `fake-${status}` },
});
const notFound = (what: string) => error(404, `${what} not found`, 'NOT_FOUND');

const statusJson = (state: NinjaOneState, id: number) => {
  const s = state.status(id);
  return s ? { name: s.name, displayName: s.displayName, parentId: s.parentId, statusId: s.statusId } : undefined;
};

export function ticketJson(state: NinjaOneState, t: TicketRow) {
  return {
    id: t.id,
    version: t.version,
    nodeId: t.nodeId ?? undefined,
    clientId: t.clientId,
    locationId: t.locationId ?? undefined,
    assignedAppUserId: t.assignedAppUserId ?? undefined,
    requesterUid: t.requesterUid,
    subject: t.subject,
    status: statusJson(state, t.statusId),
    type: t.type ?? undefined,
    priority: t.priority,
    severity: t.severity,
    ticketFormId: t.ticketFormId,
    source: t.source,
    tags: t.tags,
    createTime: t.createTime,
    deleted: false,
    attributeValues: t.attributeValues,
    additionalAssignedTechnicianIds: [],
  };
}

const logJson = (e: LogEntryRow) => {
  const { ticketId: _ticket, ...rest } = e;
  return {
    ...rest,
    technicianTagged: [],
    techniciansTaggedMetadata: [],
    blockedByInvoice: false,
    emailResponse: false,
  };
};

type Handler = (req: ApiRequest, state: NinjaOneState, ctx: ApiContext) => ApiResult;

const ticketOf = (state: NinjaOneState, req: ApiRequest) => state.tickets.get(Number(req.params.ticketId));

const userJson = (state: NinjaOneState, includeRoles: boolean) => (u: NinjaOneState['options']['users'][number]) => ({
  id: u.id,
  uid: u.uid,
  firstName: u.firstName,
  lastName: u.lastName,
  email: u.email,
  enabled: true,
  administrator: false,
  userType: u.userType,
  invitationStatus: 'REGISTERED',
  ...(u.organizationId !== undefined ? { organizationId: u.organizationId } : {}),
  ...(includeRoles ? { roles: state.roles.filter((r) => r.members.includes(u.id)).map((r) => r.name) } : {}),
});

const roleJson = (state: NinjaOneState, r: NinjaOneState['roles'][number]) => ({
  id: r.id,
  name: r.name,
  type: 'TECHNICIAN',
  description: '',
  members: r.members.map((id) => {
    const u = state.requireUser(id);
    return { id, email: u.email, name: `${u.firstName} ${u.lastName}`, source: 'DIRECT' };
  }),
});

const HANDLERS: Record<string, Handler> = {
  getTicketById(req, state) {
    const t = ticketOf(state, req);
    return t ? { status: 200, body: ticketJson(state, t) } : notFound(`Ticket ${req.params.ticketId}`);
  },

  update(req, state, ctx) {
    const t = ticketOf(state, req);
    if (!t) return notFound(`Ticket ${req.params.ticketId}`);
    const b = req.body as Record<string, unknown>;
    // Optimistic locking: an update names the version it was made from.
    if (b.version !== t.version)
      return error(409, `Ticket ${t.id} was modified (version ${t.version}, not ${b.version})`, 'VERSION_CONFLICT');
    const statusId = Number(b.status);
    if (!state.status(statusId)) return error(400, `Unknown status ${String(b.status)}`);
    if (b.requesterUid !== t.requesterUid || b.clientId !== t.clientId || b.ticketFormId !== t.ticketFormId) {
      ctx.violation(`PUT ticket ${t.id} changed the requester, organization or form credgate never means to change`);
    }
    t.subject = String(b.subject);
    const activity = state.setStatus(null, t, statusId);
    if (activity) ctx.emit(activity);
    return { status: 200, body: ticketJson(state, t) };
  },

  getTicketLogEntriesByTicketId(req, state) {
    const t = ticketOf(state, req);
    if (!t) return notFound(`Ticket ${req.params.ticketId}`);
    const pageSize = Number(req.query.pageSize ?? 500);
    const anchor = req.query.anchorId === undefined ? null : Number(req.query.anchorId);
    // Newest first, as the ticket view shows them; anchorId pages back from an entry.
    const rows = state.logEntries
      .filter((e) => e.ticketId === t.id && (!req.query.type || e.type === req.query.type))
      .filter((e) => anchor === null || e.id < anchor)
      .sort((a, b) => b.id - a.id)
      .slice(0, pageSize);
    return { status: 200, body: rows.map(logJson) };
  },

  createComment(req, state, ctx) {
    const t = ticketOf(state, req);
    if (!t) return notFound(`Ticket ${req.params.ticketId}`);
    const parts = req.raw ? parseMultipart(req.contentType, req.raw) : null;
    if (!parts) {
      ctx.violation(`POST comment on ${t.id}: the body is not multipart/form-data (${req.contentType || 'no type'})`);
      return error(415, 'Content type not supported; expected multipart/form-data', 'UNSUPPORTED_MEDIA_TYPE');
    }
    const part = parts.find((p) => p.name === 'comment');
    if (!part) {
      ctx.violation(`POST comment on ${t.id}: no "comment" part`);
      return error(400, "Required part 'comment' is not present");
    }
    if (!/^application\/json/i.test(part.contentType ?? '')) {
      ctx.violation(
        `POST comment on ${t.id}: the "comment" part is ${part.contentType ?? 'untyped'}, not application/json`,
      );
      return error(415, "Content type of part 'comment' not supported", 'UNSUPPORTED_MEDIA_TYPE');
    }
    let comment: { public?: boolean; body?: string | null; htmlBody?: string | null };
    try {
      comment = JSON.parse(part.data.toString('utf8'));
    } catch {
      ctx.violation(`POST comment on ${t.id}: the "comment" part is not JSON`);
      return error(400, 'Malformed comment');
    }
    const match = ctx.contract.match('POST', `/v2/ticketing/ticket/${t.id}/comment`);
    const problems = match.kind === 'ok' ? ctx.contract.partProblems(match.operation, 'comment', comment) : [];
    if (problems.length) {
      ctx.violation(`POST comment on ${t.id}: ${problems.join('; ')}`);
      return error(400, problems.join('; '));
    }
    if (!comment.body && !comment.htmlBody) return error(400, 'A comment needs a body or an htmlBody');
    ctx.emit(state.comment(null, t, comment.body ?? '', comment.htmlBody ?? undefined, comment.public !== false));
    return { status: 200 };
  },

  getAllStatuses(_req, state) {
    return { status: 200, body: state.statuses.map((s) => statusJson(state, s.statusId)) };
  },

  getTicketForms(_req, state) {
    return { status: 200, body: state.forms().map((f) => ({ id: f.id, name: f.name, active: true })) };
  },

  getBoards() {
    return { status: 200, body: [{ id: 1, name: 'All tickets', system: true }] };
  },

  getTicketsByBoard(req, state) {
    if (req.params.boardId !== '1') return notFound(`Board ${req.params.boardId}`);
    const b = (req.body ?? {}) as { pageSize?: number; lastCursorId?: number };
    const pageSize = b.pageSize ?? 50;
    const rows = [...state.tickets.values()]
      .filter((t) => b.lastCursorId === undefined || t.id > b.lastCursorId)
      .sort((x, y) => x.id - y.id)
      .slice(0, pageSize)
      .map((t) => ({
        id: t.id,
        subject: t.subject,
        status: statusJson(state, t.statusId),
        clientId: t.clientId,
        requesterUid: t.requesterUid,
        createTime: t.createTime,
      }));
    return { status: 200, body: { data: rows, metadata: { columns: ['id', 'subject', 'status'], filters: [] } } };
  },

  configureWebhook(req, state) {
    state.webhook = req.body as NinjaOneState['webhook'];
    return { status: 204 };
  },

  disableWebhook(_req, state) {
    state.webhook = null;
    return { status: 204 };
  },

  getUsers(req, state) {
    const users = state.options.users.filter((u) => !req.query.userType || u.userType === req.query.userType);
    return { status: 200, body: users.map(userJson(state, req.query.includeRoles === 'true')) };
  },

  getTechnicians(_req, state) {
    const technicians = state.options.users.filter((u) => u.userType === 'TECHNICIAN');
    return { status: 200, body: technicians.map(userJson(state, false)) };
  },

  getUserRoles(req, state) {
    if (req.query.roleType === 'END_USER') return { status: 200, body: [] };
    return { status: 200, body: state.roles.map((r) => roleJson(state, r)) };
  },

  addUserRoleMembers: (req, state) => changeMembers(req, state, 'add'),
  removeUserRoleMembers: (req, state) => changeMembers(req, state, 'remove'),

  getOrganization(req, state) {
    const org = (state.options.organizations ?? []).find((o) => o.id === Number(req.params.id));
    return org ? { status: 200, body: { id: org.id, name: org.name } } : notFound(`Organization ${req.params.id}`);
  },

  getDevice(req, state) {
    const d = (state.options.devices ?? []).find((x) => x.id === Number(req.params.id));
    return d
      ? {
          status: 200,
          body: { id: d.id, systemName: d.systemName, organizationId: d.organizationId, nodeClass: 'WINDOWS_SERVER' },
        }
      : notFound(`Device ${req.params.id}`);
  },

  getAutomationScripts(_req, state) {
    return {
      status: 200,
      body: (state.options.scripts ?? []).map((s) => ({
        id: s.id,
        name: s.name,
        active: true,
        language: s.language ?? 'PowerShell',
        operatingSystems: ['Windows'],
        architecture: ['64'],
      })),
    };
  },

  runScriptOnDevice(req, state, ctx) {
    const device = (state.options.devices ?? []).find((d) => d.id === Number(req.params.id));
    if (!device) return notFound(`Device ${req.params.id}`);
    const b = (req.body ?? {}) as {
      type?: 'ACTION' | 'SCRIPT';
      id?: number;
      uid?: string;
      parameters?: string;
      runAs?: string;
    };
    if (b.type !== 'SCRIPT' && b.type !== 'ACTION') return error(400, 'type is required (SCRIPT or ACTION)');
    const script = (state.options.scripts ?? []).find((s) => s.id === b.id);
    if (b.type === 'SCRIPT' && !script) return notFound(`Script ${b.id}`);
    const run = {
      deviceId: device.id,
      type: b.type,
      ...(b.id !== undefined ? { id: b.id } : {}),
      ...(b.uid !== undefined ? { uid: b.uid } : {}),
      parameters: b.parameters ?? '',
      runAs: b.runAs ?? '',
      at: Date.now(),
    };
    const { finish } = state.startRun(run, script?.name ?? 'Built-in action');
    ctx.scheduleRun(() => {
      const fields = state.deviceFields.get(device.id) ?? {};
      state.deviceFields.set(device.id, fields);
      const outcome = script?.behaviour ? script.behaviour(run, { id: device.id, fields }) : { exitCode: 0 };
      finish(outcome.exitCode, outcome.message);
    });
    return { status: 204 };
  },

  getDevices(_req, state) {
    return {
      status: 200,
      body: (state.options.devices ?? []).map((d) => ({
        id: d.id,
        systemName: d.systemName,
        organizationId: d.organizationId,
      })),
    };
  },

  getNodeCustomFields(req, state) {
    const id = Number(req.params.id);
    if (!(state.options.devices ?? []).some((d) => d.id === id)) return notFound(`Device ${req.params.id}`);
    return { status: 200, body: { ...(state.deviceFields.get(id) ?? {}) } };
  },

  updateNodeAttributeValues(req, state) {
    const id = Number(req.params.id);
    if (!(state.options.devices ?? []).some((d) => d.id === id)) return notFound(`Device ${req.params.id}`);
    const fields = state.deviceFields.get(id) ?? {};
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) {
      if (v === null) delete fields[k];
      else fields[k] = v;
    }
    state.deviceFields.set(id, fields);
    return { status: 204 };
  },

  getDeviceActivities(req, state) {
    const id = Number(req.params.id);
    if (!(state.options.devices ?? []).some((d) => d.id === id)) return notFound(`Device ${req.params.id}`);
    const newerThan = req.query.newerThan === undefined ? null : Number(req.query.newerThan);
    const olderThan = req.query.olderThan === undefined ? null : Number(req.query.olderThan);
    const all = state.deviceActivities.filter((a) => a.deviceId === id);
    const rows = all
      .filter((a) => (newerThan === null || a.id > newerThan) && (olderThan === null || a.id < olderThan))
      .filter((a) => !req.query.activityType || a.activityType === req.query.activityType)
      .sort((x, y) => y.id - x.id)
      .slice(0, Number(req.query.pageSize ?? 200));
    return {
      status: 200,
      body: { lastActivityId: all.at(-1)?.id ?? 0, lastNodeActivityId: all.at(-1)?.id ?? 0, activities: rows },
    };
  },
};

function changeMembers(req: ApiRequest, state: NinjaOneState, change: 'add' | 'remove'): ApiResult {
  const role = state.roles.find((r) => r.id === Number(req.params.roleId));
  if (!role) return notFound(`Role ${req.params.roleId}`);
  const ids = req.body as number[];
  const unknown = ids.filter((id) => state.user(id)?.userType !== 'TECHNICIAN');
  if (unknown.length) return notFound(`Technicians ${unknown.join(', ')}`);
  if (change === 'add') for (const id of ids) if (!role.members.includes(id)) role.members.push(id);
  if (change === 'remove') role.members = role.members.filter((m) => !ids.includes(m));
  return { status: 200, body: roleJson(state, role) };
}

/** Serves one matched operation; an operation the fake does not model is a gap in the fake, said so. */
export function handleOperation(req: ApiRequest, state: NinjaOneState, ctx: ApiContext): ApiResult {
  const handler = HANDLERS[req.operationId];
  if (!handler) {
    ctx.violation(`the fake does not serve ${req.operationId} (${req.method}); add it before relying on it`);
    return error(501, `${req.operationId} is not served by the fake`, 'NOT_IMPLEMENTED');
  }
  return handler(req, state, ctx);
}
