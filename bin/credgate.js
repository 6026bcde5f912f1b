#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx credgate ...` needs no build step.
require('tsx/cjs');
require('../src/cli/main.ts');
