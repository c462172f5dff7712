// `npm run openapi:export`: starts the Worker in Miniflare (as bench/ does), saves the documents it serves to
// packages/client/ (openapi.json, asyncapi.json) for the linters and the SDK's generated types (src/schema.d.ts).
import { writeFileSync } from "node:fs";
import { startMiniflare } from "../bench/lib.mjs";

const OUT = new URL("../packages/client/", import.meta.url);
const LOCAL = "http://127.0.0.1:8787";
const server = await startMiniflare({ port: 0 });
try {
  for (const name of ["openapi.json", "asyncapi.json"]) {
    const res = await fetch(`${server.base}/${name}`);
    if (!res.ok) throw new Error(`GET /${name} answered ${res.status}`);
    // The served document names the origin it was asked on; the saved one names the local dev server.
    const text = (await res.text()).replaceAll(new URL(server.base).host, new URL(LOCAL).host);
    writeFileSync(new URL(name, OUT), `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    console.log(`wrote packages/client/${name}`);
  }
} finally {
  await server.stop();
}
