// A small live-stream client: signs in (or takes a token), subscribes, prints quotes, and reconnects with backoff.
// Needs Node 22+ (global WebSocket); `npm run` puts the project's Node 22 on the PATH. Usage:
//   npm run example:stream -- AAPL MSFT                             # local server on PORT (default 8787), demo user
//   EDGEINDEX_TOKEN=<jwt or API key> npm run example:stream -- AAPL
//   EDGEINDEX_URL=https://api.example.com EDGEINDEX_EMAIL=... EDGEINDEX_PASSWORD=... npm run example:stream -- NVDA
const base = process.env.EDGEINDEX_URL ?? `http://127.0.0.1:${process.env.PORT ?? "8787"}`;
const symbols = process.argv.slice(2).map((s) => s.toUpperCase());
const indexes = (process.env.EDGEINDEX_INDEXES ?? "").split(",").filter(Boolean);
if (symbols.length === 0 && indexes.length === 0) symbols.push("AAPL", "MSFT");

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
let backoff = MIN_BACKOFF_MS;
const lastSeq = new Map();

/** An access token from the environment, or a fresh one from signing in (the demo user by default). */
async function credential() {
  if (process.env.EDGEINDEX_TOKEN) return process.env.EDGEINDEX_TOKEN;
  let res;
  try {
    res = await fetch(`${base}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: process.env.EDGEINDEX_EMAIL ?? "demo@edgeindex.dev",
        password: process.env.EDGEINDEX_PASSWORD ?? "edgeindex-demo-pass",
      }),
    });
  } catch (err) {
    // "fetch failed" alone names nothing: say which server was tried and why it did not answer.
    throw new Error(
      `no answer from ${base} (${err.cause?.code ?? err.cause?.message ?? err.message}); is \`npm run dev\` running with the same PORT?`,
    );
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`login at ${base} failed: ${res.status} ${body.detail ?? ""}`);
  return body.access_token;
}

async function connect() {
  let token;
  try {
    token = await credential();
  } catch (err) {
    return retry(`cannot get a token (${err.message})`);
  }
  const url = `${base.replace(/^http/, "ws")}/v1/stream`;
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send(JSON.stringify({ action: "auth", token }));
  ws.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    switch (msg.type) {
      case "status":
        backoff = MIN_BACKOFF_MS; // a good session resets the backoff
        // Resubscribe on every (re)connect: subscriptions belong to the connection.
        ws.send(JSON.stringify({ action: "subscribe", symbols, indexes }));
        break;
      case "subscribed":
        console.log(`subscribed: ${[...msg.symbols, ...msg.indexes].join(", ") || "(nothing)"}`);
        break;
      case "quote": {
        const prev = lastSeq.get(msg.symbol);
        const gap = prev !== undefined && msg.seq > prev + 1 ? `  (missed ${msg.seq - prev - 1})` : "";
        lastSeq.set(msg.symbol, msg.seq);
        const pct =
          msg.change_pct !== undefined ? ` ${msg.change_pct >= 0 ? "+" : ""}${msg.change_pct.toFixed(2)}%` : "";
        console.log(`${msg.ts}  ${msg.symbol.padEnd(6)} ${msg.price.toFixed(2).padStart(10)}${pct}  #${msg.seq}${gap}`);
        break;
      }
      case "index":
        console.log(`${msg.ts}  ${msg.id}  level ${msg.value.toFixed(4)}  #${msg.seq}`);
        break;
      case "alert":
        console.log(`${msg.ts}  ALERT ${msg.id}: ${msg.symbol} at ${msg.price}`);
        break;
      case "error":
        console.error(`server error ${msg.code}: ${msg.message}`);
        break;
    }
  };
  ws.onclose = (event) => retry(`${url} closed (${event.code}${event.reason ? ` ${event.reason}` : ""})`);
  ws.onerror = () => {}; // onclose follows and schedules the reconnect
}

function retry(why) {
  // Full jitter: many clients dropped at once do not all come back in the same instant.
  const wait = Math.round(Math.random() * backoff);
  console.error(`${why}; reconnecting in ${wait} ms`);
  backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  setTimeout(connect, wait);
}

if (typeof WebSocket === "undefined") {
  console.error(
    `This client needs Node.js 22 or newer (global WebSocket); this is ${process.version}. Run it as \`npm run example:stream -- AAPL\`, which uses the project's Node 22.`,
  );
  process.exit(1);
}
console.error(`streaming ${[...symbols, ...indexes].join(", ")} from ${base} (Ctrl-C stops)`);
connect();
