#!/usr/bin/env node
// Runs the compiled CLI when `npm run build` (or `npm start`) has built it and no source file is
// newer than that build; otherwise the TypeScript through tsx, so `npx credgate ...` needs no build
// step and never runs code older than the checkout.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');
const buildInfo = join(root, 'dist', '.tsbuildinfo');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsCurrent() {
  if (!existsSync(built)) return false;
  // A packed release or an image ships dist/ without the sources: the build is all there is.
  if (!existsSync(join(root, 'src'))) return true;
  if (!existsSync(buildInfo)) return false;
  const builtAt = statSync(buildInfo).mtimeMs;
  return ['src', 'connectors'].every((dir) => newestSource(join(root, dir)) <= builtAt);
}

if (buildIsCurrent()) require(built);
else {
  require('tsx/cjs');
  require('../src/cli/main.ts');
}
