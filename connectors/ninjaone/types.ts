/**
 * The parts of NinjaOne's Public API 2.0 JSON credgate reads, named as in the vendor's OpenAPI
 * description (test/fixtures/ninjaone/). Deliberately partial.
 */

/** TicketStatusPublicApiDTO */
export interface NjStatus {
  name?: string;
  displayName?: string;
  parentId?: number;
  statusId: number;
}

/** TicketDTO */
export interface NjTicket {
  id: number;
  version: number;
  nodeId?: number | null;
  clientId: number;
  locationId?: number | null;
  requesterUid?: string | null;
  subject?: string;
  status?: NjStatus | null;
  type?: string | null;
  ticketFormId: number;
  tags?: string[];
  createTime?: number;
  deleted?: boolean;
  attributeValues?: { id?: number; attributeId: number; value: unknown }[];
}

/** TicketLogEntryPublicApiDTO */
export interface NjLogEntry {
  id: number;
  appUserContactUid?: string;
  appUserContactId?: number;
  appUserContactType?: 'TECHNICIAN' | 'END_USER' | 'CONTACT';
  type: 'DESCRIPTION' | 'COMMENT' | 'CONDITION' | 'SAVE' | 'DELETE' | 'PRODUCT';
  body?: string | null;
  htmlBody?: string | null;
  publicEntry?: boolean;
  system?: boolean;
  createTime?: number;
  /** Typed only as an object by the description; a status change reads { status: { old, new } }. */
  changeDiff?: Record<string, unknown> | null;
}

/** User (GET /v2/users) */
export interface NjUser {
  id: number;
  uid: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  userType?: 'TECHNICIAN' | 'END_USER';
  organizationId?: number;
}

/** UserRole (GET /v2/user/roles) */
export interface NjRole {
  id: number;
  name: string;
  members?: { id: number; email?: string; name?: string }[];
}

/** One row of a board run (TicketDashboardPublicApiDTO.data). */
export interface NjBoardRow {
  id: number;
  status?: NjStatus | string | null;
}

/** The parts of an activity notification credgate reads: which ticket, which activity. */
export interface NjActivityNotification {
  id?: unknown;
  activityType?: unknown;
  statusCode?: unknown;
  ticketId?: unknown;
  data?: unknown;
}
