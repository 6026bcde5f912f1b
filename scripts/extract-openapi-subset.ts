/**
 * Cuts a vendor's OpenAPI description down to the operations credgate calls, keeping every
 * component they reference (transitively), so Prism can validate credgate's requests against the
 * vendor's own schemas without loading a 10-100 MB document in each test run.
 *
 *   npx tsx scripts/extract-openapi-subset.ts jira   <platform-openapi.v3.json>
 *   npx tsx scripts/extract-openapi-subset.ts github <@octokit/openapi/generated/api.github.com.json>
 *
 * Writes test/fixtures/openapi/<name>.subset.json (sources: test/fixtures/openapi/README.md).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The operations credgate calls, per vendor: [method, path as the description spells it]. */
export const OPERATIONS: Record<string, [string, string][]> = {
  // connectors/jira/client.ts (v3; the v2 paths are the same operations, see the README).
  jira: [
    ['get', '/rest/api/3/myself'],
    ['get', '/rest/api/3/issue/{issueIdOrKey}'],
    ['put', '/rest/api/3/issue/{issueIdOrKey}'],
    ['post', '/rest/api/3/issue'],
    ['get', '/rest/api/3/issue/{issueIdOrKey}/changelog'],
    ['get', '/rest/api/3/issue/{issueIdOrKey}/comment'],
    ['post', '/rest/api/3/issue/{issueIdOrKey}/comment'],
    ['get', '/rest/api/3/issue/{issueIdOrKey}/transitions'],
    ['post', '/rest/api/3/issue/{issueIdOrKey}/transitions'],
    ['get', '/rest/api/3/search'],
    ['post', '/rest/api/3/search'],
    ['get', '/rest/api/3/search/jql'],
    ['post', '/rest/api/3/search/jql'],
    ['get', '/rest/api/3/user'],
    ['get', '/rest/api/3/user/groups'],
    ['get', '/rest/api/3/group/member'],
  ],
  // connectors/github/client.ts and app-auth.ts.
  github: [
    ['get', '/user'],
    ['get', '/app'],
    ['post', '/app/installations/{installation_id}/access_tokens'],
    ['get', '/repos/{owner}/{repo}/installation'],
    ['get', '/orgs/{org}/installation'],
    ['get', '/users/{username}/installation'],
    ['get', '/repos/{owner}/{repo}/issues/{issue_number}'],
    ['patch', '/repos/{owner}/{repo}/issues/{issue_number}'],
    ['get', '/repos/{owner}/{repo}/issues'],
    ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
    ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
    ['get', '/repos/{owner}/{repo}/issues/{issue_number}/events'],
    ['post', '/repos/{owner}/{repo}/issues/{issue_number}/labels'],
    ['delete', '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}'],
    ['get', '/orgs/{org}/teams/{team_slug}/memberships/{username}'],
    ['get', '/repos/{owner}/{repo}/collaborators/{username}/permission'],
  ],
};

/** Every local `$ref` ("#/components/schemas/X") under `node`. */
function refsIn(node: Json, found: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) refsIn(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) found.add(value);
      else refsIn(value, found);
    }
  }
}

const pointer = (ref: string) =>
  ref
    .slice(2)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));

function resolve(doc: JsonObject, ref: string): Json {
  let node: Json = doc;
  for (const part of pointer(ref)) {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !(part in node))
      throw new Error(`unresolvable $ref ${ref}`);
    node = (node as JsonObject)[part];
  }
  return node;
}

function place(out: JsonObject, ref: string, value: Json): void {
  const parts = pointer(ref);
  let node = out;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as JsonObject;
  }
  node[parts[parts.length - 1]] = value;
}

/**
 * Operations credgate calls that the stored description predates or leaves out: they are listed in
 * the subset (`x-credgate-undescribed`) so the validator knows they cannot be checked, rather than
 * calling them violations; each needs a reason here.
 */
export const UNDESCRIBED: Record<string, Record<string, string>> = {
  jira: {
    'get /rest/api/3/search/jql': 'added by Atlassian in 2024, after the July 2022 snapshot',
    'post /rest/api/3/search/jql': 'added by Atlassian in 2024, after the July 2022 snapshot',
  },
  github: {},
};

export function extractSubset(
  doc: JsonObject,
  operations: [string, string][],
  undescribed: Record<string, string>,
  sourceSha256: string,
): JsonObject {
  const paths: JsonObject = {};
  for (const [method, path] of operations) {
    const item = (doc.paths as JsonObject)[path] as JsonObject | undefined;
    const operation = item?.[method];
    if (!operation && undescribed[`${method} ${path}`]) continue;
    if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not in the description`);
    if (!item) continue;
    const kept = (paths[path] ??= {}) as JsonObject;
    kept[method] = operation;
    if (item.parameters) kept.parameters = item.parameters;
  }
  const out: JsonObject = {
    openapi: doc.openapi,
    info: {
      ...(doc.info as JsonObject),
      'x-credgate-subset': `scripts/extract-openapi-subset.ts (do not edit by hand; re-run the script); source sha256 ${sourceSha256}`,
    },
    'x-credgate-undescribed': undescribed,
    servers: doc.servers ?? [],
    ...(doc.security ? { security: doc.security } : {}),
    paths,
    components: {},
  };
  const seen = new Set<string>();
  const queue = new Set<string>();
  refsIn(paths, queue);
  // Security schemes are named, not referenced: keep them all (they are small).
  const schemes = (doc.components as JsonObject | undefined)?.securitySchemes;
  if (schemes) (out.components as JsonObject).securitySchemes = schemes;
  while (queue.size > 0) {
    const [ref] = queue;
    queue.delete(ref);
    if (seen.has(ref)) continue;
    seen.add(ref);
    const value = resolve(doc, ref);
    place(out, ref, value);
    const more = new Set<string>();
    refsIn(value, more);
    for (const r of more) if (!seen.has(r)) queue.add(r);
  }
  return out;
}

if (require.main === module) {
  const [name, specPath] = process.argv.slice(2);
  if (!name || !specPath || !OPERATIONS[name]) {
    console.error(`usage: extract-openapi-subset.ts <${Object.keys(OPERATIONS).join('|')}> <openapi.json>`);
    process.exit(2);
  }
  const raw = readFileSync(specPath);
  const sha = createHash('sha256').update(raw).digest('hex');
  const subset = extractSubset(
    JSON.parse(raw.toString('utf8')) as JsonObject,
    OPERATIONS[name],
    UNDESCRIBED[name] ?? {},
    sha,
  );
  const out = join(__dirname, '..', 'test', 'fixtures', 'openapi', `${name}.subset.json`);
  writeFileSync(out, `${JSON.stringify(subset, null, 1)}\n`);
  console.log(`${out}: ${OPERATIONS[name].length} operations, ${JSON.stringify(subset).length} bytes`);
}
