import type {
  DeviceActivity,
  FakeNinjaOneOptions,
  FakeNinjaUser,
  FakeRole,
  LogEntryRow,
  ScriptRun,
  StatusRow,
  TicketRow,
  WebhookConfig,
} from './types';

export class FakeSetupError extends Error {}

/** NinjaOne's six built-in ticket statuses; custom ones have their own ids and a parent. */
export const BUILT_IN_STATUSES: StatusRow[] = [
  { name: 'NEW', displayName: 'New', statusId: 1000 },
  { name: 'OPEN', displayName: 'Open', statusId: 2000 },
  { name: 'WAITING', displayName: 'Waiting', statusId: 3000 },
  { name: 'PAUSED', displayName: 'Paused', statusId: 4000 },
  { name: 'RESOLVED', displayName: 'Resolved', statusId: 5000 },
  { name: 'CLOSED', displayName: 'Closed', statusId: 6000 },
];

/** NinjaOne's times are epoch seconds with a fraction. */
export const epochSeconds = () => Date.now() / 1000;

/** A change someone made, for the webhook's activity notification. */
export interface TicketActivity {
  ticketId: number;
  statusCode: 'NINJA_TICKETING_TICKET_CREATED' | 'NINJA_TICKETING_UPDATED';
  organizationId: number;
}

/**
 * Tickets with a version that every update bumps, their log entries (description, comments, saves
 * with a change diff), technicians and end users, roles and members, devices with their script
 * runs and activities, the API client's webhook configuration.
 */
export class NinjaOneState {
  readonly tickets = new Map<number, TicketRow>();
  readonly logEntries: LogEntryRow[] = [];
  readonly statuses: StatusRow[];
  readonly roles: FakeRole[];
  readonly runs: ScriptRun[] = [];
  readonly deviceActivities: DeviceActivity[] = [];
  /** Device custom field values by device id. */
  readonly deviceFields = new Map<number, Record<string, unknown>>();
  webhook: WebhookConfig | null = null;
  private nextTicket = 1;
  private nextLog = 500;
  private nextActivity = 90_000;

  constructor(readonly options: FakeNinjaOneOptions) {
    this.statuses = [...BUILT_IN_STATUSES, ...(options.statuses ?? [])];
    this.roles = (options.roles ?? []).map((r) => ({ ...r, members: [...r.members] }));
  }

  user(idOrUid: number | string): FakeNinjaUser | undefined {
    return this.options.users.find((u) => u.id === idOrUid || u.uid === idOrUid);
  }

  requireUser(idOrUid: number | string): FakeNinjaUser {
    const u = this.user(idOrUid);
    if (!u) throw new FakeSetupError(`FakeNinjaOne: no user ${idOrUid}`);
    return u;
  }

  requireTicket(id: number): TicketRow {
    const t = this.tickets.get(id);
    if (!t) throw new FakeSetupError(`FakeNinjaOne: no ticket ${id}`);
    return t;
  }

  status(id: number): StatusRow | undefined {
    return this.statuses.find((s) => s.statusId === id);
  }

  forms(): { id: number; name: string }[] {
    return this.options.forms ?? [{ id: 1, name: 'Default' }];
  }

  private log(entry: Omit<LogEntryRow, 'id' | 'createTime' | 'system' | 'htmlBody'> & { htmlBody?: string }): void {
    this.logEntries.push({
      id: this.nextLog++,
      createTime: epochSeconds(),
      system: false,
      ...entry,
      htmlBody: entry.htmlBody ?? `<p>${entry.body}</p>`,
    });
  }

  private by(uid: string | null): Pick<LogEntryRow, 'appUserContactUid' | 'appUserContactId' | 'appUserContactType'> {
    if (!uid) return {};
    const u = this.requireUser(uid);
    return { appUserContactUid: u.uid, appUserContactId: u.id, appUserContactType: u.userType };
  }

  createTicket(
    requesterUid: string,
    input: {
      subject: string;
      description: string;
      clientId: number;
      ticketFormId?: number;
      nodeId?: number | null;
      attributes?: { attributeId: number; value: unknown }[];
    },
  ): TicketActivity {
    this.requireUser(requesterUid);
    const id = this.nextTicket++;
    this.tickets.set(id, {
      id,
      version: 1,
      nodeId: input.nodeId ?? null,
      clientId: input.clientId,
      locationId: null,
      assignedAppUserId: null,
      requesterUid,
      subject: input.subject,
      statusId: 1000,
      type: 'QUESTION',
      priority: 'NONE',
      severity: 'NONE',
      ticketFormId: input.ticketFormId ?? this.forms()[0].id,
      source: 'END_USER',
      tags: [],
      createTime: epochSeconds(),
      attributeValues: (input.attributes ?? []).map((a, i) => ({ id: 700 + i, ...a })),
    });
    this.log({
      ticketId: id,
      ...this.by(requesterUid),
      type: 'DESCRIPTION',
      body: input.description,
      publicEntry: true,
    });
    return { ticketId: id, statusCode: 'NINJA_TICKETING_TICKET_CREATED', organizationId: input.clientId };
  }

  /** A status change by a person (uid) or by the API client (null); a SAVE entry with its diff. */
  setStatus(by: string | null, ticket: TicketRow, statusId: number): TicketActivity | null {
    if (ticket.statusId === statusId) return null;
    const old = ticket.statusId;
    ticket.statusId = statusId;
    ticket.version++;
    this.log({
      ticketId: ticket.id,
      ...this.by(by),
      type: 'SAVE',
      body: '',
      htmlBody: '',
      publicEntry: false,
      changeDiff: { status: { old: String(old), new: String(statusId) } },
    });
    return { ticketId: ticket.id, statusCode: 'NINJA_TICKETING_UPDATED', organizationId: ticket.clientId };
  }

  comment(by: string | null, ticket: TicketRow, body: string, htmlBody: string | undefined, isPublic: boolean) {
    ticket.version++;
    this.log({ ticketId: ticket.id, ...this.by(by), type: 'COMMENT', body, htmlBody, publicEntry: isPublic });
    return {
      ticketId: ticket.id,
      statusCode: 'NINJA_TICKETING_UPDATED',
      organizationId: ticket.clientId,
    } satisfies TicketActivity;
  }

  /** A script run: STARTED now, then COMPLETED with the script's result once `finish` is called. */
  startRun(
    run: ScriptRun,
    name: string,
  ): { activity: DeviceActivity; finish: (exitCode: number, message?: string) => void } {
    this.runs.push(run);
    const activity: DeviceActivity = {
      id: this.nextActivity++,
      activityTime: epochSeconds(),
      deviceId: run.deviceId,
      activityType: 'ACTION',
      statusCode: 'START_REQUESTED',
      status: 'Start requested',
      sourceName: name,
      subject: name,
      message: `${name} start requested`,
      data: { message: { code: 'script_run_requested', params: { scriptId: run.id ?? null } } },
    };
    this.deviceActivities.push(activity);
    return {
      activity,
      finish: (exitCode, message) => {
        this.deviceActivities.push({
          ...activity,
          id: this.nextActivity++,
          activityTime: epochSeconds(),
          statusCode: 'COMPLETED',
          status: 'Completed',
          activityResult: exitCode === 0 ? 'SUCCESS' : 'FAILURE',
          message: message ?? `${name} completed with exit code ${exitCode}`,
          data: { message: { code: 'script_run_completed', params: { scriptId: run.id ?? null, exitCode } } },
        });
      },
    };
  }
}
