import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { generatedFiles } from '../../src/config/json-schemas';

/**
 * The JSON Schemas editors validate with, and the configuration reference, say what the service
 * accepts: the shipped files validate, and what is committed is what `npm run schemas` writes now.
 */
const ROOT = resolve(__dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** A validator as an editor would run it: the standard formats, and zod's `starts_with` (a prefix, checked by the service). */
const compile = (schemaPath: string, allErrors = false) => {
  const ajv = new Ajv2020({ strict: false, allErrors, formats: { starts_with: true } });
  addFormats(ajv);
  return ajv.compile(JSON.parse(read(schemaPath)));
};

describe('JSON Schemas and the configuration reference', () => {
  const files = generatedFiles();

  for (const path of Object.keys(files))
    it(`${path} is current (npm run schemas)`, () => {
      expect(read(path), `${path} is out of date: run npm run schemas`).to.equal(files[path]);
    });

  for (const [example, schema] of [
    ['config/credgate.yaml', 'schemas/credgate.schema.json'],
    ['config/policy.yaml', 'schemas/policy.schema.json'],
  ])
    it(`${example} names ${schema} and validates against it`, () => {
      const text = read(example);
      expect(text.split('\n')[0]).to.equal(`# yaml-language-server: $schema=../${schema}`);
      const validate = compile(schema, true);
      expect(validate(parse(text)), JSON.stringify(validate.errors)).to.equal(true);
    });

  it('the schemas refuse what the service refuses: an unknown key, a wrong type', () => {
    const validate = compile('schemas/credgate.schema.json');
    expect(validate({ server: { port: 3000 }, unknownKey: 1 })).to.equal(false);
    expect(validate({ log: { level: 'loud' } })).to.equal(false);
    const policy = compile('schemas/policy.schema.json');
    expect(policy({ ...parse(read('config/policy.yaml')), version: 2 })).to.equal(false);
  });

  it('the reference names every key the issue found undocumented, with its default or variable', () => {
    const doc = files['docs/configuration.md'];
    expect(doc).to.match(/\| `scheduler\.sweepInterval` \| string \| `"30s"` \|/);
    expect(doc).to.match(/\| `scheduler\.horizon` \| string \| `"15m"` \|/);
    expect(doc).to.include('| `github.formFields` |');
    expect(doc).to.match(/\| `log\.level` \|[^\n]*\| `CREDGATE_LOG_LEVEL` \|/);
    expect(doc).to.match(/\| `templates\.dir` \|[^\n]*\| `CREDGATE_TEMPLATES` \|/);
    expect(doc).to.match(/\| `jira\.apiToken` \|[^\n]*\| `JIRA_API_TOKEN` \|/);
  });
});
