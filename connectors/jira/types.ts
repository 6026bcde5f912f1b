/**
 * The parts of Jira's JSON credgate reads. Deliberately partial: Jira sends far more, and real
 * deliveries differ between Cloud and Data Center (see test/fixtures/jira-*\/README.md).
 */
export interface JiraUser {
  accountId?: string;
  name?: string;
  key?: string;
  displayName?: string;
  emailAddress?: string;
}

export interface JiraStatus {
  id?: string;
  name: string;
  statusCategory?: { key?: string };
}

export interface JiraIssueFields {
  summary?: string;
  description?: unknown;
  status?: JiraStatus;
  reporter?: JiraUser | null;
  issuetype?: { name?: string };
  project?: { key?: string };
  labels?: string[];
  [field: string]: unknown;
}

export interface JiraIssue {
  id: string;
  key: string;
  self?: string;
  fields: JiraIssueFields;
}

export interface JiraChangelogItem {
  field?: string;
  fieldId?: string;
  from?: string | null;
  fromString?: string | null;
  to?: string | null;
  toString?: string | null;
}

export interface JiraHistory {
  id: string;
  author?: JiraUser;
  created: string;
  items: JiraChangelogItem[];
}

export interface JiraComment {
  id: string;
  self?: string;
  author?: JiraUser;
  body?: unknown;
  created?: string;
}

/** A webhook body: issue and user are absent in some Data Center events. */
export interface JiraWebhook {
  webhookEvent: string;
  timestamp?: number;
  issue_event_type_name?: string;
  user?: JiraUser;
  issue?: { id?: string; key?: string; fields?: JiraIssueFields };
  comment?: JiraComment;
  changelog?: { id?: string; items?: JiraChangelogItem[] };
}

/**
 * A Jira Service Management date (servicedeskapi DateDTO): one instant in several forms.
 * https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-approval-get
 */
export interface JsmDate {
  epochMillis?: number;
  iso8601?: string;
  jira?: string;
  friendly?: string;
}

/** One approver of a JSM approval and their decision: approved, declined or pending. */
export interface JsmApprover {
  approver?: JiraUser;
  approverDecision?: string;
}

/** A JSM approval (ApprovalDTO). `finalDecision` is approved, declined or pending (sometimes absent while open). */
export interface JsmApproval {
  id: string;
  name?: string;
  finalDecision?: string;
  approvers?: JsmApprover[];
  createdDate?: JsmDate;
  completedDate?: JsmDate;
}
