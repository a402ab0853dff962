// ESLint for the page's JavaScript (`make lint`, part of `make test`): the recommended rules and
// four more, browser globals. api/static/*.js are ES modules, and so are the scripts inside the
// HTML pages (the API docs reader, the embedding example), read through eslint-plugin-html.
import js from "@eslint/js";
import html from "eslint-plugin-html";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "var/", "artifacts/", "build/", "*.egg-info/"] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-shadow": "error", // a parameter named like a function of its module reads as that function
    },
  },
  { files: ["**/*.html"], plugins: { html } },
  { files: ["eslint.config.js"], languageOptions: { globals: globals.node } },
];
