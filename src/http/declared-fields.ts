// The field names each GET route's 200 answer declares (from its OpenAPI response schema), so `?fields=` can
// refuse an unknown field even when a list page is empty.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { z } from "zod";

type AnySchema = z.core.$ZodType;
type OpenAPIRegistry = OpenAPIHono["openAPIRegistry"];

/** Strips optional/nullable/default/pipe wrappers down to the schema that gives the shape. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (let i = 0; i < 10; i++) {
    const def = s._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema; out?: AnySchema };
    if (def.innerType) s = def.innerType;
    else if (def.type === "pipe" && def.in && def.out)
      s = (def.out._zod.def as { type: string }).type === "transform" ? def.in : def.out;
    else return s;
  }
  return s;
}

function objectKeys(schema: AnySchema | undefined): string[] {
  if (!schema) return [];
  const s = unwrap(schema);
  const def = s._zod.def as { type: string; shape?: Record<string, AnySchema> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/**
 * The keys `?fields=` selects from: the items' keys when the answer carries a `data` array of objects (the envelope
 * around it, such as `next_cursor`, is kept whole and is not a field to select), else the answer's own keys.
 */
export function fieldsOfSchema(schema: AnySchema): Set<string> {
  const s = unwrap(schema);
  const def = s._zod.def as { type: string; shape?: Record<string, AnySchema> };
  const data = def.shape?.data ? unwrap(def.shape.data) : undefined;
  if (data && (data._zod.def as { type: string }).type === "array") {
    const items = objectKeys((data._zod.def as unknown as { element: AnySchema }).element);
    if (items.length) return new Set(items);
  }
  return new Set(objectKeys(s));
}

/** `GET /v1/assets/:symbol` (hono's path syntax) → the fields its 200 answer declares. */
export function declaredGetFields(registry: OpenAPIRegistry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const d of registry.definitions) {
    if (d.type !== "route" || d.route.method !== "get") continue;
    const ok = d.route.responses?.[200] as { content?: Record<string, { schema?: unknown }> } | undefined;
    const schema = ok?.content?.["application/json"]?.schema as AnySchema | undefined;
    if (!schema || !("_zod" in (schema as object))) continue;
    out.set(d.route.path.replace(/\{([^}]+)\}/g, ":$1"), fieldsOfSchema(schema));
  }
  return out;
}
