#!/usr/bin/env node
// `npx causalscope-worker --redis redis://host:port`: a worker of 4-D UDF
// runs on a cluster (src/stem4d/cluster/). Runs the built library
// (`npm run build -w src`); when there is no build, or with --sources, the
// TypeScript sources through ts-node (transpile only; development).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const argv = process.argv.slice(2);
const sources = argv.includes("--sources");
const built = path.join(__dirname, "..", "dist", "stem4d", "cluster", "cli.js");
let cli;
if (!sources && fs.existsSync(built)) cli = require(built);
else {
  process.env.TS_NODE_PROJECT = path.join(__dirname, "..", "tsconfig.json");
  require("ts-node/register/transpile-only");
  cli = require(path.join(__dirname, "..", "stem4d", "cluster", "cli.ts"));
}
cli.main(argv.filter((a) => a !== "--sources")).catch((e) => {
  console.error(e && e.message ? e.message : e);
  process.exit(1);
});
