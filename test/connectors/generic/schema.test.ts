import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { genericConfigSchema, genericFromEnv } from '../../../connectors/generic/schema';
import { deskGenericConfig } from '../../fakes/generic/desk-config';
import { formatZodError } from '../../../src/util/format-zod-error';

const problems = (input: Record<string, unknown>): string => {
  const parsed = genericConfigSchema.safeParse(input);
  return parsed.success ? '' : formatZodError(parsed.error, 'configuration');
};
const configured = { baseUrl: 'https://desk.example', apiToken: 'token-123456' };

describe('generic configuration', () => {
  it('accepts the Desk example, which is the one the readme shows', () => {
    expect(problems({ ...deskGenericConfig(), ...configured })).to.equal('');
    const readme = readFileSync(join(__dirname, '../../../connectors/generic/readme.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect((parseYaml(yaml) as { generic: unknown }).generic).to.deep.equal(deskGenericConfig());
  });

  it('names the key of a bad JSON path, a template that does not render, and a body that is not JSON', () => {
    const base = deskGenericConfig() as { api: { requests: Record<string, Record<string, unknown>> } };
    const broken = {
      ...deskGenericConfig({ ticketIdPath: 'ticket.id', fieldsPaths: { systems: '$.custom[?(@.x)]' } }),
      ...configured,
      api: {
        ...base.api,
        requests: {
          ...base.api.requests,
          postComment: { method: 'POST', path: '/notes/{{ticket.idd}}', body: '{"text": {{body}}' },
        },
      },
    };
    const text = problems(broken);
    expect(text).to.include('ticketIdPath').and.include('fieldsPaths.systems').and.include('JSON path');
    expect(text).to.include('postComment.path').and.include('{{ticket.idd}} names nothing');
    expect(text).to.include('postComment.body').and.include('does not render to JSON');
  });

  it('requires the API description, group lookup and the key statuses once the connector is configured', () => {
    const text = problems({ ...configured, statuses: { open: 'other' } });
    expect(text).to.include('api').and.include('getGroups').and.include('pending-approval, approved, granted, revoked');
    expect(problems({})).to.equal('');
  });

  it('reads secrets and the base URL from GENERIC_* variables', () => {
    expect(
      genericFromEnv({
        GENERIC_BASE_URL: 'https://d',
        GENERIC_API_TOKEN: 't',
        GENERIC_WEBHOOK_SECRET: 's',
        OTHER: 'x',
      }),
    ).to.deep.equal({ baseUrl: 'https://d', apiToken: 't', webhookSecret: 's' });
  });
});
