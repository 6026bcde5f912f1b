import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { generatedFiles } from '../src/config/json-schemas';

/** `npm run schemas`: writes schemas/*.schema.json and docs/configuration.md from the zod schemas. */
const root = resolve(__dirname, '..');
for (const [path, content] of Object.entries(generatedFiles())) {
  mkdirSync(dirname(resolve(root, path)), { recursive: true });
  writeFileSync(resolve(root, path), content);
  process.stdout.write(`wrote ${path}\n`);
}
