import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The built-in templates folder, at the project root. Found by walking up from this module to
 * the folder holding package.json, because the module sits at a different depth in each way
 * credgate runs: src/ under tsx, dist/src/ when compiled by `npm run build`, dist/ when bundled
 * into one file by the tests.
 */
export const PROJECT_ROOT = projectRoot(__dirname);
export const TEMPLATES_ROOT = join(PROJECT_ROOT, 'templates');

function projectRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'templates'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '..');
  }
}
