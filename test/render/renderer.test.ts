import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRenderer } from '../../src/render/renderer';
import { WJ } from './helpers';

let root: string;
/** Write `files` (relative path → content) under a fresh dir inside `root`. */
function dir(name: string, files: Record<string, string>): string {
  const base = path.join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(base, rel)), { recursive: true });
    fs.writeFileSync(path.join(base, rel), content);
  }
  return base;
}

describe('createRenderer', () => {
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'credgate-render-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('escapes view values but not template text, deeply', () => {
    const d = dir('t', {
      'jira-wiki/request-received.hbs':
        'h3. Request *{{summary}}*\n{{#each systems}}* {{name}} ({{@key}}){{/each}}\nBy [~{{requester.id}}] at {{when}}, n={{count}} ok={{ok}} none={{none}}\n',
    });
    const r = createRenderer({ markup: 'jira-wiki', templateDirs: [d], required: ['request-received'] });
    const out = r.render('request-received', {
      summary: 'pls *now*\nh1. x',
      systems: [{ name: '[~boss]' }],
      requester: { id: 'jdoe' },
      when: new Date('2024-05-01T10:00:00Z'),
      count: 3,
      ok: true,
      none: null,
    });
    expect(out).to.equal(
      `h3. Request *pls \\*now\\* h1. x*\n* \\[\\~boss\\] (0)\nBy [~jdoe] at 2024\\-05\\-01T10${WJ}:00:00.000Z, n=3 ok=true none=`,
    );
    expect(r.markup).to.equal('jira-wiki');
  });

  it('escapes @key / block-param keys of objects from the view', () => {
    const d = dir('t', {
      'markdown/k.hbs': '{{#each m}}{{@key}}={{this}};{{/each}}{{#each m as |v k|}}{{k}}{{/each}}',
    });
    const r = createRenderer({ markup: 'markdown', templateDirs: [d] });
    expect(r.render('k', { m: { '@evil': '<b>' } })).to.equal(`@${WJ}evil=\\<b\\>;@${WJ}evil`);
  });

  it('lets an earlier dir override a later one by file name, partials included', () => {
    const custom = dir('custom', { 'html/a.hbs': 'custom {{> sig}}', 'html/partials/sig.hbs': 'custom-sig' });
    const base = dir('base', {
      'html/a.hbs': 'base',
      'html/b.hbs': 'b {{> sig}}',
      'html/partials/sig.hbs': 'base-sig',
    });
    const r = createRenderer({ markup: 'html', templateDirs: [custom, path.join(root, 'missing'), base] });
    expect(r.names()).to.deep.equal(['a', 'b']);
    expect(r.render('a', {})).to.equal('custom custom-sig');
    expect(r.render('b', {})).to.equal('b custom-sig');
  });

  it('only loads the folder of its own markup', () => {
    const d = dir('t', { 'jira-wiki/x.hbs': 'x', 'markdown/y.hbs': 'y' });
    expect(createRenderer({ markup: 'markdown', templateDirs: [d] }).names()).to.deep.equal(['y']);
  });

  it('strict mode: a missing field throws naming the template', () => {
    const d = dir('t', { 'html/greet.hbs': 'Hi {{user.name}}' });
    const r = createRenderer({ markup: 'html', templateDirs: [d] });
    expect(() => r.render('greet', { user: {} })).to.throw(/template "greet".*greet\.hbs.*"name" not defined/);
    expect(() => r.render('nope', {})).to.throw(/unknown html template "nope"/);
  });

  it('fails at creation on a template that does not compile, naming the file', () => {
    const d = dir('t', { 'html/ok.hbs': 'fine', 'html/broken.hbs': 'Hi {{#if x}}unclosed' });
    expect(() => createRenderer({ markup: 'html', templateDirs: [d] })).to.throw(/broken\.hbs failed to compile/);
    const p = dir('p', { 'html/partials/bad.hbs': '{{' });
    expect(() => createRenderer({ markup: 'html', templateDirs: [p] })).to.throw(/bad\.hbs failed to compile/);
  });

  it('fails at creation when a required template is missing', () => {
    const d = dir('t', { 'html/other.hbs': 'x' });
    expect(() => createRenderer({ markup: 'html', templateDirs: [d], required: ['request-received'] })).to.throw(
      /missing required template\(s\) "request-received\.hbs"/,
    );
  });

  it('provides join, eq, plural and upper helpers', () => {
    const d = dir('t', {
      'jira-wiki/h.hbs':
        '{{join tags ", "}}|{{#if (eq state "pending-review")}}P{{else}}N{{/if}}|{{count}} {{plural count "system" "systems"}}|{{upper who}}\n',
    });
    const r = createRenderer({ markup: 'jira-wiki', templateDirs: [d] });
    const view = { tags: ['a_b', 'c'], state: 'pending-review', count: 1, who: 'httpſ://x' };
    expect(r.render('h', view)).to.equal(`a\\_b, c|P|1 system|HTTPS${WJ}://X`);
    expect(r.render('h', { ...view, state: 'other', count: 2 })).to.equal(`a\\_b, c|N|2 systems|HTTPS${WJ}://X`);
  });

  it('trims exactly one trailing newline', () => {
    const d = dir('t', { 'html/n.hbs': 'a\n\n' });
    expect(createRenderer({ markup: 'html', templateDirs: [d] }).render('n', {})).to.equal('a\n');
  });

  it('documents how a template writes a {{mono}} value in Jira wiki', () => {
    const d = dir('t', { 'jira-wiki/m.hbs': 'Account: \\{{{{account}}{{!}}}}' });
    const r = createRenderer({ markup: 'jira-wiki', templateDirs: [d] });
    expect(r.render('m', { account: 'svc_db' })).to.equal('Account: {{svc\\_db}}');
  });

  it('rejects functions in the view (their output would bypass escaping)', () => {
    const d = dir('t', { 'html/f.hbs': '{{f}}' });
    const r = createRenderer({ markup: 'html', templateDirs: [d] });
    expect(() => r.render('f', { f: () => '<b>' })).to.throw(TypeError, /"f" is a function/);
  });
});
