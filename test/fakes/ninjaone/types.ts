/** The fake NinjaOne's setup and rows, in the vendor's own field names where the API shows them. */

export interface FakeNinjaUser {
  id: number;
  uid: string;
  firstName: string;
  lastName: string;
  email: string;
  userType: 'TECHNICIAN' | 'END_USER';
  /** End users belong to one organization. */
  organizationId?: number;
}

export interface FakeRole {
  id: number;
  name: string;
  members: number[];
}

export interface FakeDevice {
  id: number;
  systemName: string;
  organizationId: number;
}

/** What a script does on a device when run, for tests of the logic around the scripts. */
export type ScriptBehaviour = (
  run: ScriptRun,
  device: { id: number; fields: Record<string, unknown> },
) => { exitCode: number; message?: string };

export interface FakeScript {
  id: number;
  name: string;
  language?: string;
  /** Default: exit 0. */
  behaviour?: ScriptBehaviour;
}

export interface FakeNinjaOneOptions {
  clientId: string;
  clientSecret: string;
  users: FakeNinjaUser[];
  roles?: FakeRole[];
  organizations?: { id: number; name: string }[];
  devices?: FakeDevice[];
  scripts?: FakeScript[];
  /** Ticket forms (id → name); the first is the default. */
  forms?: { id: number; name: string }[];
  /** Extra statuses beside the six built-in ones. */
  statuses?: StatusRow[];
  /** Seconds an access token lives (NinjaOne: 3600). */
  tokenLifetime?: number;
  /** Deliver activities for the API client's own changes too (NinjaOne does). */
  echoOwnEvents?: boolean;
  /** How long a script run stays STARTED before it reports its result (ms). */
  scriptDelayMs?: number;
}

export interface StatusRow {
  name: string;
  displayName: string;
  parentId?: number;
  statusId: number;
}

export interface TicketRow {
  id: number;
  version: number;
  nodeId: number | null;
  clientId: number;
  locationId: number | null;
  assignedAppUserId: number | null;
  requesterUid: string;
  subject: string;
  statusId: number;
  type: 'PROBLEM' | 'QUESTION' | 'INCIDENT' | 'TASK' | null;
  priority: string;
  severity: string;
  ticketFormId: number;
  source: string;
  tags: string[];
  createTime: number;
  attributeValues: { id: number; attributeId: number; value: unknown }[];
}

export interface LogEntryRow {
  id: number;
  ticketId: number;
  appUserContactUid?: string;
  appUserContactId?: number;
  appUserContactType?: 'TECHNICIAN' | 'END_USER' | 'CONTACT';
  type: 'DESCRIPTION' | 'COMMENT' | 'CONDITION' | 'SAVE' | 'DELETE' | 'PRODUCT';
  body: string;
  htmlBody: string;
  publicEntry: boolean;
  system: boolean;
  createTime: number;
  changeDiff?: Record<string, { old: unknown; new: unknown }>;
}

export interface ScriptRun {
  deviceId: number;
  type: 'ACTION' | 'SCRIPT';
  id?: number;
  uid?: string;
  parameters: string;
  runAs: string;
  at: number;
}

export interface DeviceActivity {
  id: number;
  activityTime: number;
  deviceId: number;
  activityType: string;
  statusCode: string;
  status: string;
  activityResult?: 'SUCCESS' | 'FAILURE' | 'UNSUPPORTED' | 'UNCOMPLETED';
  sourceName: string;
  subject: string;
  message: string;
  data: Record<string, unknown>;
}

export interface WebhookConfig {
  url?: string;
  activities?: Record<string, string[]>;
  expand?: string[];
  headers?: { name?: string; value?: string }[];
  organizationIds?: number[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
}

export interface Delivery {
  status: number;
  body: string;
}
