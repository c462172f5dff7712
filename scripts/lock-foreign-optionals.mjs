// Completes package-lock.json with the platform-specific optional packages (darwin, win32, musl, android)
// that this machine's registry mirror does not serve, so `npm ci` accepts the lock everywhere; each entry
// carries its os/cpu/libc, so npm skips it on other platforms and fetches it where it belongs.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;

function platformOf(name) {
  const os = /darwin/.test(name)
    ? "darwin"
    : /win32|windows/.test(name)
      ? "win32"
      : /android/.test(name)
        ? "android"
        : /linux/.test(name)
          ? "linux"
          : null;
  const cpu = /arm64/.test(name) ? "arm64" : /x64|-64$/.test(name) ? "x64" : null;
  const libc = /musl/.test(name) ? "musl" : null;
  return { os, cpu, libc };
}

let added = 0;
for (const [key, meta] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const base = key === "" ? "node_modules" : `${key}/node_modules`;
    // npm resolves from the nearest node_modules upward; the entry must sit where that walk finds it.
    const nested = `${base}/${dep}`;
    const top = `node_modules/${dep}`;
    if (packages[nested] || packages[top]?.version === version) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os) continue;
    packages[packages[top] ? nested : top] = {
      version,
      ...(meta.dev ? { dev: true } : {}),
      optional: true,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(libc ? { libc: [libc] } : {}),
      os: [os],
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform-specific optional entries`);
