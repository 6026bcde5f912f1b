/**
 * The parts of Request Tracker 5's REST 2.0 JSON credgate reads
 * (https://docs.bestpractical.com/rt/5.0.3/RT/REST2.html). Deliberately partial.
 */

/** How REST 2.0 points at another record: users by name, the rest by numeric id (as a string). */
export interface RtLink {
  type: string;
  id: string;
  _url?: string;
}

export interface RtCustomFieldValue {
  id: string;
  name: string;
  values: string[];
}

/** GET /REST/2.0/ticket/{id} */
export interface RtTicket {
  id: number;
  Subject?: string;
  Status: string;
  Queue: RtLink;
  Creator?: RtLink;
  Requestor?: RtLink[];
  /** The user the ticket is assigned to; RT's "Nobody" when none is. */
  Owner?: RtLink;
  Created?: string;
  LastUpdated?: string;
  CustomFields?: RtCustomFieldValue[];
}

/** One item of GET /REST/2.0/ticket/{id}/history?fields=Type,Field,OldValue,NewValue,Creator,Created */
export interface RtTransaction {
  id: string;
  Type: string;
  Field?: string;
  OldValue?: string;
  NewValue?: string;
  Creator?: RtLink;
  Created: string;
}

/** One item of GET /REST/2.0/ticket/{id}/attachments?fields=TransactionId,ContentType,Content,... */
export interface RtAttachment {
  id: string;
  TransactionId: string | RtLink;
  ContentType?: string;
  /** Decoded text in collections (single attachments serve it base64). */
  Content?: string;
  Creator?: RtLink;
  Created: string;
}

/** GET /REST/2.0/user/{name or id}, as a privileged non-admin sees it. */
export interface RtUser {
  id: number | string;
  Name: string;
  RealName?: string;
  EmailAddress?: string;
}

/** GET /REST/2.0/group/{id}: direct members, users by name, groups by id. */
export interface RtGroup {
  id: number | string;
  Name: string;
  Members?: RtLink[];
}

/** A REST 2.0 collection page. */
export interface RtPage<T> {
  items: T[];
  count: number;
  page: number;
  per_page: number;
  total?: number | null;
  pages?: number | null;
}

/** The body the credgate Scrip posts (connectors/rt/webhook-scrip.initialdata). */
export interface RtWebhook {
  ticket?: unknown;
  queue?: unknown;
  transactions?: unknown;
  types?: unknown;
}
