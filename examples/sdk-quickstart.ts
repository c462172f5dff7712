// The README's SDK program: sign in, page through assets, create an index, wait until it is ready, stream quotes.
// Run it with the project's Node 22 (it strips the types): `npm run example:sdk` (PORT or EDGEINDEX_URL pick the server).
import { createEdgeindex, ProblemError } from "@edgeindex/client";

const baseUrl = process.env.EDGEINDEX_URL ?? `http://127.0.0.1:${process.env.PORT ?? "8787"}`;
const ei = createEdgeindex({ baseUrl });
await ei.login("demo@edgeindex.dev", "edgeindex-demo-pass");

// Every "Information Technology" asset, 20 per request; the iterator asks for the next page only when the loop gets there.
const tech: string[] = [];
for await (const asset of ei.paginate("/v1/assets", { query: { sector: "Information Technology", limit: 20 } })) {
  tech.push(asset.symbol);
}
console.log(`${tech.length} technology assets: ${tech.slice(0, 8).join(", ")}…`);

// A refused request throws a ProblemError: its code, and the field each reason is about.
try {
  await ei.data(
    ei.api.POST("/v1/indexes", {
      body: {
        name: "",
        constituents: [],
        weighting: "equal",
        rebalance: "monthly",
        base_date: "2024-01-02",
        base_value: 1000,
      },
    }),
  );
} catch (err) {
  if (!(err instanceof ProblemError)) throw err;
  console.log(`refused: ${err.code} on ${err.errors.map((e) => e.path).join(", ")}`);
}

const created = await ei.data(
  ei.api.POST("/v1/indexes", {
    body: {
      name: `Big Tech Capped ${new Date().toISOString().slice(0, 10)}`,
      constituents: tech.slice(0, 5),
      weighting: "market_cap",
      max_weight: 0.3,
      rebalance: "monthly",
      base_date: "2024-01-02",
      base_value: 1000,
      benchmark: "SPY",
    },
  }),
);
const ready = await ei.waitForIndex(created.id);
const values = await ei.data(
  ei.api.GET("/v1/indexes/{id}/values", { params: { path: { id: ready.id }, query: { limit: 1000 } } }),
);
const last = values.data[values.data.length - 1];
console.log(
  `index ${ready.id} is ${ready.status}: ${values.data.length} values, last ${last?.date} ${last?.value.toFixed(2)}`,
);

// Live quotes: authenticated with the same session, resubscribed after every reconnect, gaps reported.
const stream = ei.stream({ symbols: tech.slice(0, 2), indexes: [ready.id] });
stream.on("gap", (g) => console.log(`missed ${g.missed} frame(s) of ${g.key}`));
await stream.start();
let quotes = 0;
for await (const frame of stream) {
  if (frame.type === "quote") console.log(`${frame.symbol} ${frame.price.toFixed(2)} #${frame.seq}`);
  if (frame.type === "quote" && ++quotes >= 4) break;
}
stream.close();
await ei.data(ei.api.DELETE("/v1/indexes/{id}", { params: { path: { id: ready.id } } }));
