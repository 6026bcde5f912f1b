import { z } from 'zod';

/**
 * The parts of Jira's REST answers credgate reads, checked where they enter (readVendorData).
 * Loose: Jira sends far more than this, and Cloud and Data Center differ; only what the mappers
 * rely on is pinned, and absent or null stays allowed wherever real payloads show it (see
 * test/fixtures/jira-*\/README.md).
 */
const text = z.string().nullish();

const user = z.looseObject({
  accountId: text,
  name: text,
  key: text,
  displayName: text,
  emailAddress: text,
});

const fields = z.looseObject({
  summary: text,
  status: z.looseObject({ id: text, name: z.string() }).nullish(),
  reporter: user.nullish(),
  issuetype: z.looseObject({ name: z.string().nullish() }).nullish(),
  project: z.looseObject({ key: z.string().nullish() }).nullish(),
  labels: z.array(z.string()).nullish(),
});

export const jiraIssueSchema = z.looseObject({ id: z.string(), key: z.string(), fields });

const changelogItem = z.looseObject({
  field: text,
  fieldId: text,
  from: text,
  fromString: text,
  to: text,
  toString: text,
});

const history = z.looseObject({
  id: z.union([z.string(), z.number()]),
  author: user.nullish(),
  created: z.string(),
  items: z.array(changelogItem),
});

export const jiraHistoriesSchema = z.array(history);

const comment = z.looseObject({
  id: z.union([z.string(), z.number()]),
  author: user.nullish(),
  created: text,
});

export const jiraCommentsSchema = z.array(comment);
