// Lint: ESLint's and typescript-eslint's recommended rules, formatting left to Prettier
// (eslint-config-prettier turns off the rules that would fight it). `npm test` runs `npm run lint`.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "out/**", "reports/**", ".stryker-tmp/**", "**/*.json"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly", require: "readonly", module: "readonly", __dirname: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setImmediate: "readonly", URL: "readonly", fetch: "readonly" } },
    rules: {
      // Policies and spec builders read Kubernetes objects of any shape; tsc's noUnused* checks the rest.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": "off",
    },
  },
  prettier,
);
