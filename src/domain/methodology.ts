// What a methodology hash covers: the index definition in one canonical form plus the engine's methodology version.

/**
 * The version of the rules in docs/METHODOLOGY.md that the engine implements. Change it whenever a rule
 * that moves a number changes (levels, weights, caps, rebalancing, adjustment, point-in-time reads), so
 * every version built under the old rules keeps a hash that says so.
 */
export const METHODOLOGY_VERSION = "2026.12-pit.2";

/** A stored index definition as plain JSON (the schema layer owns its exact shape). */
export type StoredDefinitionShape = Record<string, unknown>;

/**
 * JSON with object keys sorted at every depth, `undefined` and `null` members dropped, symbols upper-cased
 * where they are symbols, so two definitions that mean the same index serialise to the same text.
 */
export function canonicalDefinition(definition: StoredDefinitionShape): string {
  const normal: StoredDefinitionShape = { ...definition };
  delete normal.name;
  if (Array.isArray(normal.constituents)) {
    normal.constituents = [...(normal.constituents as string[])].map((s) => s.toUpperCase()).sort();
  }
  if (typeof normal.benchmark === "string") normal.benchmark = normal.benchmark.toUpperCase();
  return canonicalJson(normal);
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The text the methodology hash is taken over. */
export function methodologyText(definition: StoredDefinitionShape): string {
  return `${METHODOLOGY_VERSION}\n${canonicalDefinition(definition)}`;
}
