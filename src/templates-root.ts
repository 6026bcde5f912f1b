import { resolve } from 'node:path';

/**
 * The built-in templates folder. Defined here, one level under the project root, because that
 * holds both when run from source (src/) and when bundled into one file (dist/): a module deeper
 * in src/ resolving its own way would point elsewhere once bundled.
 */
export const TEMPLATES_ROOT = resolve(__dirname, '..', 'templates');
