#!/usr/bin/env node
// The `memoryformer` command: runs the bundled CLI built by `npm install` / `npm run build`.
require('../dist/server/cli.js');
