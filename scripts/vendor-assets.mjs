// Copies the browser bundles the Worker serves as static assets out of their npm packages (public/vendor/,
// ignored by git), so /docs and the dashboard need no CDN. Runs on every `npm install` / `npm ci` (postinstall).
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const BUNDLES = [
  ["node_modules/@scalar/api-reference/dist/browser/standalone.js", "public/vendor/scalar/standalone.js"],
  // The dashboard's charts (uPlot: canvas time-series charts, an ES module and its stylesheet).
  ["node_modules/uplot/dist/uPlot.esm.js", "public/vendor/uplot/uPlot.esm.js"],
  ["node_modules/uplot/dist/uPlot.min.css", "public/vendor/uplot/uPlot.min.css"],
];

for (const [from, to] of BUNDLES) {
  const source = join(ROOT, from);
  if (!existsSync(source)) {
    console.warn(`[vendor-assets] ${from} is missing (run npm install); ${to} not written`);
    continue;
  }
  mkdirSync(dirname(join(ROOT, to)), { recursive: true });
  copyFileSync(source, join(ROOT, to));
}
