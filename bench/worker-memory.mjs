// Where a `wrangler dev` Worker's memory is: RSS of each workerd process (split anonymous / file-backed), the
// Worker isolate's JS heap through the inspector (Chrome DevTools Protocol), and the bytes of the local state
// (D1, Durable Object, KV, queue SQLite files) on disk. The soak samples it to tell a leak from a native cache.
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { descendants } from "./lib.mjs";

/** workerd processes under a wrangler dev: the user Worker's runtime and wrangler's own proxy. */
export function workerdProcesses(rootPid) {
  return [rootPid, ...descendants(rootPid)].flatMap((pid) => {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "workerd") return [];
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      // wrangler's proxy listens on the dev port; the user Worker's runtime on an ephemeral one (entry=…:0).
      return [{ pid, role: /socket-addr=entry=[^ \0]*:0(\0|$)/.test(cmd) ? "runtime" : "proxy" }];
    } catch {
      return [];
    }
  });
}

const KIB = /(\w+):\s+(\d+) kB/g;
/** VmRSS / RssAnon / RssFile / RssShmem of one process in MiB (all 0 when it is gone). */
export function rssOf(pid) {
  const out = { rss: 0, anon: 0, file: 0, shmem: 0 };
  let text = "";
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return out;
  }
  const names = { VmRSS: "rss", RssAnon: "anon", RssFile: "file", RssShmem: "shmem" };
  for (const [, k, v] of text.matchAll(KIB)) if (names[k]) out[names[k]] = Number(v) / 1024;
  return out;
}

/** Bytes under `dir` by its first-level folder (e.g. v3/d1, v3/do, v3/kv), recursively. */
export function stateBytes(dir) {
  const out = {};
  const walk = (path) => {
    let n = 0;
    for (const e of readdirSync(path, { withFileTypes: true })) {
      const p = join(path, e.name);
      if (e.isDirectory()) n += walk(p);
      else if (e.isFile()) n += statSync(p).size;
    }
    return n;
  };
  try {
    for (const e of readdirSync(join(dir, "v3"), { withFileTypes: true }))
      if (e.isDirectory()) out[e.name] = walk(join(dir, "v3", e.name));
  } catch {
    // not written yet
  }
  return out;
}

/** TCP ports a process listens on (from /proc: its socket inodes matched against the LISTEN rows). */
function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports = [];
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === "0A" && inodes.has(f[9])) ports.push(Number.parseInt(f[1].split(":")[1], 16));
  }
  return ports;
}

/** One DevTools session on one isolate; `heapAfterGc()` takes a heap snapshot, which collects garbage first. */
async function session(url) {
  // wrangler's inspector proxy refuses a connection without an Origin from a local page.
  const ws = new WebSocket(url, { headers: { Origin: "http://localhost" } });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`inspector at ${url} refused the connection`));
  });
  let id = 0;
  const pending = new Map();
  let chunks = null;
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.method === "HeapProfiler.addHeapSnapshotChunk") chunks?.push(m.params.chunk);
    else if (m.id && pending.has(m.id)) {
      pending.get(m.id)(m);
      pending.delete(m.id);
    }
  };
  const call = (method, params = {}, timeoutMs = 120_000) =>
    new Promise((resolve, reject) => {
      const i = ++id;
      const timer = setTimeout(() => {
        pending.delete(i);
        reject(new Error(`${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(i, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result);
      });
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  // `buffers`: ArrayBuffer backing stores, which live outside the V8 heap (`usedSize` does not count them).
  const mib = (r) => ({
    used: r.usedSize / 2 ** 20,
    total: r.totalSize / 2 ** 20,
    buffers: (r.backingStorageSize ?? 0) / 2 ** 20,
  });
  return {
    heap: async () => mib(await call("Runtime.getHeapUsage", {}, 15_000)),
    /** Live JS heap after a full collection (workerd does not answer HeapProfiler.collectGarbage). */
    heapAfterGc: async (keep) => {
      chunks = [];
      await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      const text = chunks.join("");
      chunks = null;
      keep?.(text);
      return mib(await call("Runtime.getHeapUsage", {}, 15_000));
    },
    close: () => ws.close(),
  };
}

/**
 * DevTools sessions on the Worker's isolate (through wrangler's inspector proxy on `proxyPort`, which holds the
 * runtime's only session on it) and on each of miniflare's own isolates in the runtime process (D1, KV, queues,
 * cache, the local trace collector…), found on the runtime's inspector port. `heaps()` reads them all.
 */
export async function inspectIsolates(rootPid, proxyPort) {
  const list = await (await fetch(`http://127.0.0.1:${proxyPort}/json/list`)).json();
  const worker = await session(list[0].webSocketDebuggerUrl);
  const others = new Map();
  const runtime = workerdProcesses(rootPid).find((p) => p.role === "runtime");
  for (const port of runtime ? listeningPorts(runtime.pid) : []) {
    const targets = await fetch(`http://127.0.0.1:${port}/json/list`)
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null);
    if (!Array.isArray(targets)) continue;
    for (const t of targets) {
      if (t.id.startsWith("core:user:") && !t.id.includes("miniflare") && !t.id.includes("dev-registry")) continue;
      const s = await session(t.webSocketDebuggerUrl).catch(() => null);
      if (s) others.set(t.id, s);
    }
  }
  return {
    worker,
    /** Used JS heap (MiB) of every isolate other than the Worker's, by isolate id. */
    otherHeaps: async () => {
      const out = {};
      for (const [name, s] of others)
        out[name] = await s.heap().then(
          (h) => Math.round(h.used * 10) / 10,
          () => null,
        );
      return out;
    },
    close: () => {
      worker.close();
      for (const s of others.values()) s.close();
    },
  };
}
