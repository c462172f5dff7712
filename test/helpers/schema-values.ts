// Values for the contract fuzz from an OpenAPI schema: `validOf` satisfies it (types, enums, bounds, patterns,
// formats, required keys, unique items), drawn from the fixture's world where a field names one (symbols and dates
// that exist), so the fuzz reaches the success paths (cross-field rules are not solved: some are still refused);
// `roughlyOf` is of roughly the schema's kind, valid or not, with junk mixed in (the hostile share).
import fc from "fast-check";

type Json = any;

export interface FixtureWorld {
  /** Resolves a `$ref` against the document's components. */
  resolve: (schema: Json) => Json;
  symbols: string[];
  /** Sessions of the stored bars, ascending. */
  dates: string[];
}

const SYMBOL_PATTERN = /\^\[A-Z/; // e.g. ^[A-Z0-9.^=-]{1,20}$ and ^[A-Za-z0-9.^=-]{1,20}$
const SYMBOL_NAMES = /^(symbol|benchmark)$/;

function numberIn(s: Json, integer: boolean): fc.Arbitrary<number> {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 1e-6) : 0);
  const hiRaw = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 1e-6) : 1000);
  // Small, plain values: a 0.1–3 share order or a 1–100 page is what a caller sends, not 1e12.
  const hi = Math.max(lo, Math.min(hiRaw, lo + (integer ? 100 : 1000)));
  if (integer) return fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) });
  return fc
    .double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true })
    .map((x) => Math.min(hi, Math.max(lo, Math.round(x * 100) / 100 || lo)));
}

function stringOf(s: Json, name: string, world: FixtureWorld): fc.Arbitrary<string> {
  if (SYMBOL_NAMES.test(name) || (s.pattern && SYMBOL_PATTERN.test(s.pattern)))
    return fc.constantFrom(...world.symbols);
  if (s.format === "date") return fc.constantFrom(...world.dates);
  if (s.format === "date-time") return fc.constant(new Date().toISOString());
  if (s.format === "uri") return fc.constantFrom("https://example.com/hooks/edgeindex", "https://hooks.example.org/e");
  if (s.format === "email") return fc.emailAddress();
  if (s.example !== undefined && typeof s.example === "string") return fc.oneof(fc.constant(s.example), plainString(s));
  return plainString(s);
}

function plainString(s: Json): fc.Arbitrary<string> {
  const min = s.minLength ?? 1;
  const max = Math.max(min, Math.min(s.maxLength ?? 24, 40));
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    const fits = (x: string) => x.length >= min && x.length <= (s.maxLength ?? 1000);
    try {
      return fc.stringMatching(re).filter(fits);
    } catch {
      // fast-check cannot build some patterns (lookahead): the documented example, else a filtered plain string.
      if (typeof s.example === "string") return fc.constant(s.example);
      return fc.string({ minLength: min, maxLength: max, unit: "grapheme-ascii" }).filter((x) => re.test(x) && fits(x));
    }
  }
  return fc.string({ minLength: min, maxLength: max, unit: "grapheme-ascii" });
}

/** One value the schema accepts (as far as its own keywords go), named `name` in its parent. */
export function validOf(schemaIn: Json, world: FixtureWorld, name = "", depth = 0): fc.Arbitrary<unknown> {
  const s = world.resolve(schemaIn) ?? {};
  if (s.allOf && !s.type && !s.properties) {
    const own = s.allOf.find((x: Json) => world.resolve(x)?.type || world.resolve(x)?.properties);
    if (own) return validOf(own, world, name, depth);
  }
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum.filter((v: unknown) => v !== null));
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) {
    const nonNull = alternatives.filter((x: Json) => world.resolve(x)?.type !== "null");
    return fc.oneof(...nonNull.map((x: Json) => validOf(x, world, name, depth + 1)));
  }
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type ?? (s.properties ? "object" : undefined)) {
    case "string":
      return stringOf(s, name, world);
    case "integer":
      return numberIn(s, true);
    case "number":
      return numberIn(s, false);
    case "boolean":
      return fc.boolean();
    case "array": {
      const items = world.resolve(s.items ?? {});
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 3, 3));
      const item = validOf(items, world, name.replace(/s$/, ""), depth + 1);
      return s.uniqueItems || SYMBOL_NAMES.test(name.replace(/s$/, "")) || items.enum
        ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(item, { minLength, maxLength });
    }
    case "object": {
      if (depth > 4) return fc.constant({});
      const props = Object.entries<Json>(s.properties ?? {});
      if (!props.length) {
        const values = s.additionalProperties && typeof s.additionalProperties === "object";
        if (!values) return fc.constant({});
        const min = s.minProperties ?? 0;
        return fc.dictionary(fc.constantFrom(...world.symbols), validOf(s.additionalProperties, world, "", depth + 1), {
          minKeys: min,
          maxKeys: Math.max(min, 2),
        });
      }
      const record = Object.fromEntries(props.map(([k, v]) => [k, validOf(v, world, k, depth + 1)]));
      return fc.record(record, { requiredKeys: s.required ?? [] });
    }
    default:
      return fc.constant("x");
  }
}

/** Values of roughly the schema's kind, valid or not: enums, bounds, formats, and plain junk. */
export function roughlyOf(schemaIn: Json, resolve: (s: Json) => Json, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schemaIn) ?? {};
  const junk = fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null), fc.double(), fc.boolean());
  if (depth > 3) return junk;
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  if (s.enum) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: junk });
  if (s.anyOf || s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf).map((x: Json) => roughlyOf(x, resolve, depth + 1)));
  switch (type) {
    case "string":
      if (s.format === "date" || /date/.test(s.description ?? ""))
        return fc.oneof(
          fc
            .date({ min: new Date("2015-01-01"), max: new Date("2027-01-01"), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
          junk,
        );
      if (s.format === "date-time")
        return fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          junk,
        );
      if (s.format === "uri")
        return fc.oneof(fc.webUrl(), fc.constantFrom("http://127.0.0.1:9/x", "https://[::1]/"), junk);
      if (s.format === "email") return fc.oneof(fc.emailAddress(), junk);
      return fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom("AAA", "BBB", "CCC", "SPY", "idx_missing", "a", "") },
        {
          weight: 2,
          arbitrary: fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 120) }),
        },
        { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
        { weight: 1, arbitrary: junk },
      );
    case "integer":
      return fc.oneof(fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 2000, 1e6) }), fc.integer(), junk);
    case "number":
      return fc.oneof(
        fc.double({ min: s.minimum ?? -10, max: Math.min(s.maximum ?? 1e4, 1e9), noNaN: true }),
        fc.double(),
        junk,
      );
    case "boolean":
      return fc.oneof(fc.boolean(), junk);
    case "array":
      return fc.oneof(fc.array(roughlyOf(s.items ?? {}, resolve, depth + 1), { maxLength: 6 }), junk);
    case "object": {
      const props = Object.entries(s.properties ?? {});
      if (!props.length) return fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), junk, { maxKeys: 3 }), junk);
      const record = Object.fromEntries(props.map(([k, v]) => [k, roughlyOf(v, resolve, depth + 1)]));
      return fc.oneof(
        { weight: 4, arbitrary: fc.record(record, { requiredKeys: s.required ?? [] }) },
        { weight: 1, arbitrary: fc.record({ ...record, unexpected_field: junk }, { requiredKeys: [] }) },
        { weight: 1, arbitrary: junk },
      );
    }
    default:
      return junk;
  }
}
