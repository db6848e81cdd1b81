/**
 * Unit tests: tests/<capability>/*.test.ts, run against the TypeScript sources
 * (the "causalscope" import maps to src/index.ts). ESM-only dependencies
 * (vega-lite, h5wasm) are loaded with dynamic import(), so jest runs under
 * node --experimental-vm-modules (see the root package.json "test:unit").
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/tests/e2e/"],
  transform: {
    "^.+\\.ts$": ["<rootDir>/tests/helpers/jest-transform.cjs", { tsconfig: "<rootDir>/tests/tsconfig.json", diagnostics: { warnOnly: false, ignoreCodes: [151002] } }],
  },
  moduleNameMapper: {
    "^causalscope$": "<rootDir>/src/index.ts",
  },
  testTimeout: 120000,
};
