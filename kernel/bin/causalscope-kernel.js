#!/usr/bin/env node
// Entry point of the causalscope Jupyter kernel (see kernel/src/main.ts).
"use strict";
require("../dist/main.js")
  .main(process.argv.slice(2))
  .catch((e) => {
    console.error(`causalscope-kernel: ${e && e.message ? e.message : e}`);
    process.exit(1);
  });
