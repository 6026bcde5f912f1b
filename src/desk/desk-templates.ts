import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Handlebars from 'handlebars';
import { CredgateError } from '../util/errors';
import { TEMPLATES_ROOT } from '../templates-root';

export const DESK_TEMPLATES = resolve(TEMPLATES_ROOT, 'html', 'desk');

export interface DeskTemplates {
  login(view: Record<string, unknown>): string;
  dashboard(view: Record<string, unknown>): string;
  /** `'sha256-...'` of the inline stylesheet, for the Content-Security-Policy. */
  styleHash: string;
}

/**
 * Compiles the desk's pages once, at start: a missing or broken template fails the start, not the
 * first visit. Handlebars' own HTML escaping applies to every `{{value}}` (requester text is
 * untrusted); strict mode turns a field missing from a view into an error instead of a blank.
 */
export function loadDeskTemplates(dir = DESK_TEMPLATES): DeskTemplates {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      throw new CredgateError('config', `the service-desk template ${join(dir, name)} is missing`);
    }
  };
  const hb = Handlebars.create();
  const compile = (name: string) => {
    try {
      const template = hb.compile(read(name), { strict: true });
      // Compile now (Handlebars compiles lazily on first render) so syntax errors surface here.
      hb.precompile(read(name), { strict: true });
      return template;
    } catch (err) {
      if (err instanceof CredgateError) throw err;
      throw new CredgateError(
        'config',
        `the service-desk template ${name} does not compile: ${(err as Error).message}`,
      );
    }
  };
  hb.registerPartial('layout', compile('layout.hbs'));
  const login = compile('login.hbs');
  const dashboard = compile('dashboard.hbs');
  const style = read('desk.css');
  const styleHash = `'sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}'`;
  return {
    login: (view) => login({ ...view, style }),
    dashboard: (view) => dashboard({ ...view, style }),
    styleHash,
  };
}
