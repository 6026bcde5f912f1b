#!/usr/bin/env node
// npm links the bins of dependencies, not a package's own: link ours so `npx credgate` resolves
// to this checkout instead of asking the registry.
const { mkdirSync, symlinkSync, rmSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const binDir = join(__dirname, '..', 'node_modules', '.bin');
const link = join(binDir, 'credgate');
mkdirSync(binDir, { recursive: true });
if (existsSync(link)) rmSync(link);
symlinkSync(join('..', '..', 'bin', 'credgate.js'), link);
