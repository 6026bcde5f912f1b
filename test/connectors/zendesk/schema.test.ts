import { expect } from 'chai';
import {
  isZendeskConfigured,
  zendeskBaseUrl,
  zendeskConfigSchema,
  zendeskFromEnv,
} from '../../../connectors/zendesk/schema';
import { formatZodError } from '../../../src/util/format-zod-error';

const problems = (input: Record<string, unknown>): string => {
  const parsed = zendeskConfigSchema.safeParse(input);
  return parsed.success ? '' : formatZodError(parsed.error, 'configuration');
};

describe('zendesk configuration', () => {
  it('reads ZENDESK_* variables, and builds the API origin from the subdomain unless a base URL is given', () => {
    const env = zendeskFromEnv({
      ZENDESK_SUBDOMAIN: 'acme',
      ZENDESK_EMAIL: 'cg@acme.example',
      ZENDESK_API_TOKEN: 't0k3n-123',
      ZENDESK_WEBHOOK_SECRET: 's'.repeat(20),
      JIRA_EMAIL: 'x',
    });
    expect(env).to.deep.equal({
      subdomain: 'acme',
      email: 'cg@acme.example',
      apiToken: 't0k3n-123',
      webhookSecret: 's'.repeat(20),
    });
    const config = zendeskConfigSchema.parse({ ...env, approvalField: 360001234567 });
    expect(isZendeskConfigured(config)).to.equal(true);
    expect(config.approvalField).to.equal('360001234567');
    expect(zendeskBaseUrl(config)).to.equal('https://acme.zendesk.com');
    expect(zendeskBaseUrl({ ...config, baseUrl: 'http://127.0.0.1:9/' })).to.equal('http://127.0.0.1:9');
  });

  it('stays off, without complaint, when nothing is set', () => {
    expect(problems({})).to.equal('');
    expect(isZendeskConfigured(zendeskConfigSchema.parse({}))).to.equal(false);
  });

  it("once configured, asks for the approval field and the agent's email, naming the keys", () => {
    const text = problems({ subdomain: 'acme', apiToken: 't' });
    expect(text).to.include('approvalField').and.include('Credential approval');
    expect(text).to.include('email').and.include('ZENDESK_EMAIL');
  });

  it('refuses a bad subdomain, field id, closing status or skew', () => {
    const text = problems({
      subdomain: 'acme.zendesk.com/x',
      approvalField: 'abc',
      statuses: { closed: ['done'] },
      maxSkew: 'soon',
    });
    expect(text)
      .to.include('subdomain')
      .and.include('approvalField')
      .and.include('statuses.closed')
      .and.include('maxSkew');
  });
});
