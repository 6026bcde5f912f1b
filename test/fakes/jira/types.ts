/** Public types of the fake Jira (test/fakes/jira/fake-jira.ts). */

/** A Jira user known to the fake. */
export interface FakeUser {
  accountId: string;
  displayName: string;
  emailAddress?: string;
  /** Data Center username; when set, user JSON also carries `name` and `key` like DC/legacy Cloud. */
  name?: string;
  groups: string[];
}

export type StatusCategoryKey = 'new' | 'indeterminate' | 'done';

export interface FakeJiraOptions {
  /** Basic-auth credentials credgate must send. */
  email: string;
  apiToken: string;
  /** Also accept `Authorization: Bearer <token>` (Data Center personal access tokens). */
  personalAccessToken?: string;
  users: FakeUser[];
  /** Workflow statuses, in order; the first is the default status of a new issue. */
  statuses: string[];
  /**
   * from status -> allowed target statuses. Absent: every status may go to every other one
   * ("global transitions"). A status missing from the map has no outgoing transitions.
   */
  transitions?: Record<string, string[]>;
  /** Status category per status name; default: first status `new`, done-sounding names `done`, others `indeterminate`. */
  statusCategories?: Record<string, StatusCategoryKey>;
  webhook?: WebhookTarget;
  /** accountId of the API credentials (GET /myself; author of REST comments and transitions). */
  serviceAccountId: string;
  /** Deliver webhooks for credgate's own REST mutations (comments, transitions, edits, creates). Default false. */
  echoOwnEvents?: boolean;
  /** Display names of custom fields for changelog items, e.g. {customfield_10050: 'Access level'}. */
  fieldNames?: Record<string, string>;
  /** Projects that exist from the start (REST creates need an existing project; control-API creates add theirs). */
  projects?: string[];
  /** Groups that exist without members (groups of `users` exist anyway). */
  groups?: string[];
  /** Clock for timestamps; default real time. */
  now?: () => Date;
  /** A Jira Service Management approval step (servicedeskapi approvals); absent: requests have no approvals. */
  approvalStep?: FakeApprovalStep;
  /**
   * Also check every REST request with Stoplight Prism against Atlassian's OpenAPI description
   * (test/fakes/prism-validator.ts); what Prism finds lands in `violations`. Default true.
   */
  prism?: boolean;
}

/**
 * A JSM approval step on one workflow status, as an admin configures it ("Add approval"): entering
 * the status opens an approval; when it is decided, JSM moves the request along the approve or
 * decline transition.
 */
export interface FakeApprovalStep {
  /** The status that asks for approval. */
  status: string;
  /** accountIds of the approvers (JSM reads them from an approvers field; here they are fixed). */
  approvers: string[];
  /** Approvals needed to approve; default 1. One decline declines, as in JSM. */
  required?: number;
  /** Where JSM moves the request once approved / declined; absent: it stays. */
  approveTo?: string;
  declineTo?: string;
  /** The approval's name, as the portal shows it. */
  name?: string;
}

export type FakeApprovalDecision = 'pending' | 'approved' | 'declined';

/** One JSM approval of one request. */
export interface FakeApproval {
  id: string;
  issueId: string;
  name: string;
  required: number;
  approvers: { accountId: string; decision: FakeApprovalDecision }[];
  finalDecision: FakeApprovalDecision;
  created: Date;
  completed: Date | null;
}

export interface WebhookTarget {
  url: string;
  secret?: string;
}

export interface UserRef {
  accountId: string;
  displayName: string;
}

export interface ChangelogItem {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export interface ChangelogHistory {
  id: string;
  author: UserRef;
  /** Jira time, e.g. 2026-11-25T06:31:24.000+0000 */
  created: string;
  items: ChangelogItem[];
}

export interface FakeComment {
  id: string;
  author: UserRef;
  /** As sent: a string (v2, control API) or an ADF document (v3). */
  body: unknown;
  created: string;
  updated: string;
  /** Entity properties sent with the comment, e.g. JSM's sd.public.comment {internal: true}. */
  properties?: { key: string; value: unknown }[];
}

/** A snapshot of one issue, for assertions. `fields` are rendered as REST v2 renders them. */
export interface FakeIssueSnapshot {
  key: string;
  id: string;
  status: string;
  fields: Record<string, unknown>;
  comments: FakeComment[];
  history: ChangelogHistory[];
}

export interface CreateIssueInput {
  project: string;
  issueType: string;
  summary: string;
  description?: string;
  /** Other fields, e.g. customfield_10050. */
  fields?: Record<string, unknown>;
  status?: string;
  labels?: string[];
}

/** What credgate answered to one webhook delivery. status 0: the request failed (see error). */
export interface Delivery {
  status: number;
  body: string;
  identifier: string;
  error?: string;
}

export interface DeliverOptions {
  badSignature?: boolean;
  noSignature?: boolean;
  identifier?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: unknown;
  status: number;
  /** operationId from contract.json when the route matched. */
  operationId?: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface RecordedDelivery extends Delivery {
  event: string;
  payload: unknown;
  retry: number;
}
