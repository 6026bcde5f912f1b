import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { escapeHtml } from './escape-html';
import { escapeJiraWiki } from './escape-jira-wiki';
import { escapeMarkdown } from './escape-markdown';
import { escapeView } from './escape-view';
import { CredgateError } from '../util/errors';

/** Output markup of a renderer; also the template sub-folder name. */
export type Markup = 'jira-wiki' | 'markdown' | 'html';

/** Renders named templates with untrusted view data escaped for {@link Markup}. */
export interface Renderer {
  /** Render `templateName` with `view`; throws (naming the template) on a missing field. */
  render(templateName: string, view: Record<string, unknown>): string;
  readonly markup: Markup;
  /** Sorted names of all loaded templates. */
  names(): string[];
}

/** Options for {@link createRenderer}. */
export interface RendererOptions {
  markup: Markup;
  /** Searched in order; `<dir>/<markup>/*.hbs` of an earlier dir wins by file name. */
  templateDirs: string[];
  /** Template names (without `.hbs`) that must exist, checked at creation. */
  required?: string[];
}

const ESCAPERS: Record<Markup, (text: string) => string> = {
  'jira-wiki': escapeJiraWiki,
  markdown: escapeMarkdown,
  html: escapeHtml,
};

// strict: a referenced field missing from the view is a bug, not an empty
// string. noEscape: Handlebars' HTML escaping is wrong for wiki/Markdown;
// escaping is applied to the view instead (see escapeView).
const COMPILE_OPTIONS = { strict: true, noEscape: true } as const;

/**
 * Create a renderer for one markup. Every `*.hbs` under `<dir>/<markup>/` and
 * every partial under `<dir>/<markup>/partials/` is read and fully compiled
 * now, so syntax errors and missing `required` templates fail at start-up with
 * an Error naming the file. Missing directories are ignored.
 *
 * Template text is trusted; every string in the view is escaped with the
 * markup's escaper before rendering (see {@link escapeView}).
 *
 * Helpers: `join list sep`, `eq a b` (also matches the escaped form of a
 * literal, since view strings arrive escaped), `plural n singular plural`,
 * `upper s` (safe on escaped text: escapes contain no case-sensitive parts).
 *
 * Jira `{{monospace}}` clashes with Handlebars; write `\{{{{value}}{{!}}}}`.
 */
export function createRenderer(options: RendererOptions): Renderer {
  const { markup, templateDirs, required = [] } = options;
  const escape = ESCAPERS[markup];
  const env = Handlebars.create();
  registerHelpers(env, escape);

  const sub = (dir: string, ...rest: string[]) => path.join(dir, markup, ...rest);
  for (const [name, file] of collect(templateDirs.map((d) => sub(d, 'partials')))) {
    env.registerPartial(name, compileFile(env, file));
  }
  const templates = new Map<string, HandlebarsTemplateDelegate>();
  for (const [name, file] of collect(templateDirs.map((d) => sub(d)))) {
    const compiled = compileFile(env, file);
    templates.set(name, (view: unknown) => {
      try {
        return compiled(view);
      } catch (err) {
        throw new CredgateError(
          'permanent',
          `template "${name}" (${file}) failed to render: ${(err as Error).message}`,
        );
      }
    });
  }
  const missing = required.filter((name) => !templates.has(name));
  if (missing.length > 0) {
    const where = templateDirs.map((d) => sub(d)).join(', ') || '(no template dirs)';
    throw new CredgateError(
      'config',
      `missing required template(s) ${missing.map((n) => `"${n}.hbs"`).join(', ')} in ${where}`,
    );
  }

  return {
    markup,
    names: () => [...templates.keys()].sort(),
    render(templateName, view) {
      const template = templates.get(templateName);
      if (!template) throw new CredgateError('config', `unknown ${markup} template "${templateName}"`);
      const out = template(escapeView(view, escape));
      return out.replace(/\r?\n$/, '');
    },
  };
}

/** Map template name → file; the first dir that has a name wins. */
function collect(dirs: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const dir of dirs) {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
        continue;
      throw err;
    }
    for (const e of entries
      .filter((x) => x.isFile() && x.name.endsWith('.hbs'))
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const name = e.name.slice(0, -'.hbs'.length);
      if (!found.has(name)) found.set(name, path.join(dir, e.name));
    }
  }
  return found;
}

/**
 * Compile eagerly. `env.compile` is lazy (it compiles on first call), so the
 * source is first run through `env.precompile`, which performs the complete
 * parse + code generation and throws on any error, without evaluating code.
 */
function compileFile(env: typeof Handlebars, file: string): HandlebarsTemplateDelegate {
  try {
    const source = fs.readFileSync(file, 'utf8');
    env.precompile(source, COMPILE_OPTIONS);
    return env.compile(source, COMPILE_OPTIONS);
  } catch (err) {
    throw new CredgateError('config', `template ${file} failed to compile: ${(err as Error).message}`);
  }
}

function registerHelpers(env: typeof Handlebars, escape: (s: string) => string): void {
  env.registerHelper('join', (list: unknown, sep: unknown) => {
    if (!Array.isArray(list)) throw new TypeError('join: first argument must be an array');
    return list.join(typeof sep === 'string' ? sep : ', ');
  });
  // View strings are escaped but template literals are not, so `eq status
  // "pending-review"` must also compare against the escaped literal.
  env.registerHelper(
    'eq',
    (a: unknown, b: unknown) =>
      a === b || (typeof a === 'string' && typeof b === 'string' && (a === escape(b) || escape(a) === b)),
  );
  env.registerHelper('plural', (n: unknown, singular: unknown, plural: unknown) =>
    Number(n) === 1 ? singular : plural,
  );
  env.registerHelper('upper', (s: unknown) => String(s ?? '').toUpperCase());

  // `@key` and `as |value key|` expose raw object keys, which may come from
  // requester data; escape them like any other view string.
  const builtinEach = env.helpers.each as Handlebars.HelperDelegate;
  env.registerHelper('each', function (this: unknown, context: unknown, opts: Handlebars.HelperOptions) {
    if (!opts || typeof opts.fn !== 'function') return builtinEach.call(this, context, opts);
    const fn = opts.fn;
    const wrapped = (value: unknown, o?: { data?: Record<string, unknown>; blockParams?: unknown[] }) => {
      if (!o) return fn(value);
      // Copies, not child frames: `@../index` must still reach the parent.
      const data = o.data && typeof o.data.key === 'string' ? { ...o.data, key: escape(o.data.key) } : o.data;
      const bp = o.blockParams as (unknown[] & { path?: unknown }) | undefined;
      const blockParams =
        bp && typeof bp[1] === 'string' ? Object.assign([bp[0], escape(bp[1])], { path: bp.path }) : bp;
      return fn(value, { ...o, data, blockParams });
    };
    return builtinEach.call(this, context, { ...opts, fn: Object.assign(wrapped, fn) });
  });
}
