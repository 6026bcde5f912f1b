import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { hasFormSections, parseIssueForm } from '../../../connectors/github/issue-form';
import { factHeadings, formFacts } from '../../../connectors/github/mappers';
import { normalizeLabel } from '../../../connectors/github/issue-form';
import { githubConfigSchema } from '../../../connectors/github/schema';

const FIXTURES = join(__dirname, '../../fixtures/github');
const TEMPLATE = join(__dirname, '../../../templates/github/credential-request.yml');

interface FormField {
  type: string;
  id?: string;
  attributes: { label?: string; value?: string; options?: { label: string; required?: boolean }[] };
  validations?: { required?: boolean };
}

/** The body GitHub writes for a submitted form: one "### label" per field, "_No response_" when empty. */
function renderBody(
  fields: FormField[],
  answers: Record<string, string>,
  ticked: Record<string, boolean[]> = {},
): string {
  return fields
    .filter((f) => f.type !== 'markdown')
    .map((f) => {
      const label = f.attributes.label as string;
      if (f.type === 'checkboxes') {
        const options = f.attributes.options ?? [];
        return `### ${label}\n\n${options.map((o, i) => `- [${ticked[f.id as string]?.[i] ? 'X' : ' '}] ${o.label}`).join('\n')}`;
      }
      return `### ${label}\n\n${answers[f.id as string] || '_No response_'}`;
    })
    .join('\n\n');
}

describe('github issue-form bodies (real body from stefanbuck/github-issue-parser)', () => {
  const body = readFileSync(join(FIXTURES, 'issue-form.full-example.body.md'), 'utf8');
  const form = parseYaml(readFileSync(join(FIXTURES, 'issue-form.full-example.form.yml'), 'utf8')) as {
    body: FormField[];
  };

  it('finds one section per form field, in order, under the field labels', () => {
    const sections = parseIssueForm(body);
    expect(sections.map((s) => s.label)).to.deep.equal(form.body.map((f) => f.attributes.label));
  });

  it("reads text answers and checkbox lists, whatever the tick's case or a missing space", () => {
    const byLabel = Object.fromEntries(parseIssueForm(body).map((s) => [s.label, s]));
    expect(byLabel['Your contact details'].value).to.equal('me@me.com');
    expect(byLabel['What browsers are you seeing the problem on?'].value).to.equal('Chrome, Safari');
    expect(byLabel['What else?']).to.deep.include({ checked: ['Never give up'], unchecked: ['Hot Dog is a Sandwich'] });
    expect(byLabel['And with that?']).to.deep.include({
      checked: ['Hot Dog is a Sandwich', 'Another item'],
      unchecked: ['Never give up'],
    });
    expect(byLabel['Checkbox without an id?']).to.deep.include({
      value: '',
      checked: [],
      unchecked: ['IDs are great', 'IDs are bad'],
    });
  });

  it("treats _No response_ as empty, and a ### inside a code fence as the requester's text", () => {
    const sections = parseIssueForm(
      '### Justification\n\n```text\n### not a field\n```\n\n### Company\n\n_No response_\n',
    );
    expect(sections.map((s) => [s.label, s.value])).to.deep.equal([
      ['Justification', '### not a field'],
      ['Company', ''],
    ]);
    expect(parseIssueForm('no headings at all')).to.deep.equal([]);
    expect(parseIssueForm(null)).to.deep.equal([]);
  });
});

describe("credgate's issue form (templates/github/credential-request.yml)", () => {
  const form = parseYaml(readFileSync(TEMPLATE, 'utf8')) as {
    name: string;
    description: string;
    labels: string[];
    body: FormField[];
  };
  const config = githubConfigSchema.parse({});
  const headings = factHeadings(config);

  it('is a valid issue form: name, description, unique ids, known field types, labels', () => {
    expect(form.name).to.be.a('string').and.not.equal('');
    expect(form.description).to.be.a('string').and.not.equal('');
    expect(form.labels).to.include(config.requestLabel);
    const ids = form.body.filter((f) => f.id).map((f) => f.id as string);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids) expect(id).to.match(/^[A-Za-z0-9_-]+$/);
    for (const f of form.body) expect(['markdown', 'input', 'textarea', 'dropdown', 'checkboxes']).to.include(f.type);
    const labels = form.body
      .filter((f) => f.type !== 'markdown')
      .map((f) => normalizeLabel(f.attributes.label as string));
    expect(new Set(labels).size).to.equal(labels.length);
  });

  it('asks for every standard fact under a heading credgate reads, and for the no-secret confirmation', () => {
    const facts = form.body
      .filter((f) => f.type === 'input' || f.type === 'textarea')
      .map((f) => headings.get(normalizeLabel(f.attributes.label as string)));
    expect(facts).to.deep.equal(['systems', 'account', 'access', 'justification', 'duration', 'company', 'client']);
    const confirm = form.body.find((f) => f.type === 'checkboxes');
    expect(confirm?.attributes.options?.[0]).to.deep.include({ required: true });
    expect(confirm?.attributes.options?.[0].label).to.match(/password/);
  });

  it("a submitted form reads back into the request's facts, and is in scope by its body alone", () => {
    const body = renderBody(
      form.body,
      {
        systems: 'crm-prod',
        account: 'svc_crm',
        access: 'read-only',
        justification: 'Quarter close\nCHG-99',
        duration: '4h',
        client: 'Contoso',
      },
      { 'no-secrets': [true] },
    );
    expect(formFacts(body, config)).to.deep.equal({
      systems: 'crm-prod',
      account: 'svc_crm',
      access: 'read-only',
      justification: 'Quarter close\nCHG-99',
      duration: '4h',
      client: 'Contoso',
    });
    expect(hasFormSections(body, headings.keys())).to.equal(true);
    expect(parseIssueForm(body).find((s) => s.label === 'Confirmation')?.checked).to.have.length(1);
  });
});
