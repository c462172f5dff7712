// The conventions every operation of the served OpenAPI document shares, filled in from the routes: operationId,
// tags, security, response headers, 304s, shared error responses and the `fields` names. A route added later gets
// them without writing them; test/routes/openapi-document.test.ts fails when an operation still lacks one.

/** A loose view of the parts of an OpenAPI 3.1 document this module reads and writes. */
type Json = Record<string, unknown>;
interface Operation extends Json {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Json[];
  responses: Record<string, Json>;
}
export interface OpenApiDocument extends Json {
  info: Json;
  paths: Record<string, Record<string, Operation>>;
  components?: Json & { schemas?: Record<string, Json>; headers?: Json; responses?: Json };
  tags?: Array<{ name: string; description: string }>;
}

export interface ConventionOptions {
  /** Paths that need no credential (they answer with `security: []`). */
  isPublic: (path: string) => boolean;
  /** Paths that carry RateLimit-* and may answer 401/429. */
  isApi: (path: string) => boolean;
  /** The security requirement of every other operation. */
  security: Array<Record<string, string[]>>;
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** What each tag groups; a route with a tag missing here still gets it declared, with its name as description. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  meta: "Liveness and readiness",
  auth: "Registration, sessions and the caller",
  "api keys": "Long-lived keys with scopes, optionally signing every request",
  "market data":
    "Assets, daily bars, corporate actions, quotes, per-asset analytics, and the market's status and calendar",
  analytics: "Cross-asset analytics",
  indexes: "Custom rules-based indexes: definition, levels, allocations, rebalances and risk",
  simulations: "Backtests of an index definition",
  trading: "Paper orders and the portfolio",
  alerts: "Price alerts",
  webhooks: "Signed event deliveries",
  admin: "Operator routes: refreshes, jobs and the audit log",
  live: "The WebSocket stream (its messages are described in /asyncapi.json)",
};

/** Names that the path alone does not give well (actions rather than resources). */
const OPERATION_IDS: Record<string, string> = {
  "post /v1/auth/register": "register",
  "post /v1/auth/login": "login",
  "post /v1/auth/refresh": "refreshSession",
  "post /v1/auth/logout": "logout",
  "get /v1/me": "getMe",
  "delete /v1/api-keys/{id}": "revokeApiKey",
  "delete /v1/orders/{id}": "cancelOrder",
  "post /v1/admin/refresh": "startRefresh",
  "get /v1/stream": "openStream",
  "get /health/ready": "getReadiness",
};

const HEADERS: Record<string, Json> = {
  "X-Request-Id": {
    description: "The request id: the client's value when it sent a sane one, else generated; it is in the log line",
    schema: { type: "string", maxLength: 128 },
  },
  "RateLimit-Limit": { description: "Tokens the caller's bucket holds when full", schema: { type: "integer" } },
  "RateLimit-Remaining": { description: "Tokens left in the caller's bucket", schema: { type: "integer" } },
  "RateLimit-Reset": { description: "Seconds until the bucket is full again", schema: { type: "integer" } },
  "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" } },
  ETag: { description: "Entity tag of the body; send it back in If-None-Match", schema: { type: "string" } },
  "Cache-Control": { description: "How long a cache may keep the answer", schema: { type: "string" } },
  Location: { description: "Path of the created resource", schema: { type: "string" } },
  "Idempotent-Replayed": {
    description: "`true` when this answer replays the first one for the same Idempotency-Key",
    schema: { type: "string", enum: ["true"] },
  },
  Link: { description: 'The next page, as `<url>; rel="next"`, when there is one', schema: { type: "string" } },
};

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
const problemRef = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

function singular(word: string): string {
  if (word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.endsWith("xes") || word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const camel = (words: string[]) =>
  words
    .flatMap((w) => w.split(/[-_]/))
    .map((w, i) => (i === 0 ? w : capital(w)))
    .join("");

function isPage(doc: OpenApiDocument, op: Operation): boolean {
  const ok = op.responses["200"] as { content?: Record<string, { schema?: Json }> } | undefined;
  let schema = ok?.content?.["application/json"]?.schema;
  if (schema?.$ref) schema = doc.components?.schemas?.[String(schema.$ref).split("/").pop() ?? ""];
  const props = schema?.properties as Json | undefined;
  return Boolean(props && "next_cursor" in props);
}

/** `GET /v1/assets/{symbol}/prices` → `listAssetPrices`; a POST on a collection → `create<Item>`; actions by name. */
export function deriveOperationId(doc: OpenApiDocument, method: string, path: string, op: Operation): string {
  const known = OPERATION_IDS[`${method} ${path}`];
  if (known) return known;
  const segments = path
    .replace(/^\/v1\//, "/")
    .split("/")
    .filter(Boolean);
  const words: string[] = [];
  segments.forEach((seg, i) => {
    if (seg.startsWith("{")) return;
    words.push(segments[i + 1]?.startsWith("{") ? singular(seg) : seg);
  });
  const endsWithParam = segments[segments.length - 1]?.startsWith("{") ?? false;
  const hasCollectionGet = Boolean(doc.paths[path]?.get);
  const subject = camel(words);
  if (method === "get") return camel([endsWithParam ? "get" : isPage(doc, op) ? "list" : "get", subject]);
  if (method === "patch" || method === "put") return camel(["update", subject]);
  if (method === "delete") return camel(["delete", subject]);
  if (hasCollectionGet || doc.paths[`${path}/{id}`] || Object.keys(doc.paths).some((p) => p.startsWith(`${path}/{`))) {
    return camel(["create", ...words.slice(0, -1), singular(words[words.length - 1] ?? "")]);
  }
  // An action on a resource: POST /v1/indexes/{id}/rebuild → rebuildIndex.
  return camel([words[words.length - 1] ?? "", ...words.slice(0, -1)]);
}

/** A pattern that admits exactly comma-separated lists of the declared field names. */
function fieldsPattern(names: string[]): string {
  const one = `(?:${names.join("|")})`;
  return `^${one}(?:,${one})*$`;
}

function declaredFields(doc: OpenApiDocument, op: Operation): string[] {
  const resolve = (s: Json | undefined): Json | undefined =>
    s?.$ref ? doc.components?.schemas?.[String(s.$ref).split("/").pop() ?? ""] : s;
  const ok = op.responses["200"] as { content?: Record<string, { schema?: Json }> } | undefined;
  const schema = resolve(ok?.content?.["application/json"]?.schema);
  const props = (schema?.properties ?? {}) as Record<string, Json>;
  // A list answer's fields are its items' (the envelope, e.g. next_cursor, is always kept and never selected).
  const data = resolve(props.data);
  const items = data?.type === "array" ? resolve(data.items as Json | undefined) : undefined;
  const itemNames = Object.keys((items?.properties ?? {}) as Json);
  return (itemNames.length ? itemNames : Object.keys(props)).sort();
}

function addHeaders(response: Json, names: string[]) {
  const headers = (response.headers ?? {}) as Json;
  for (const name of names) headers[name] ??= ref(name);
  response.headers = headers;
}

/** Removes fields that carry a default from `required`: a client may leave them out. */
function relaxDefaults(schema: unknown) {
  if (!schema || typeof schema !== "object") return;
  if (Array.isArray(schema)) {
    for (const s of schema) relaxDefaults(s);
    return;
  }
  const s = schema as Json;
  const props = s.properties as Record<string, Json> | undefined;
  if (props && Array.isArray(s.required)) {
    s.required = (s.required as string[]).filter((k) => props[k]?.default === undefined);
    if ((s.required as string[]).length === 0) delete s.required;
  }
  for (const v of Object.values(s)) relaxDefaults(v);
}

/** Fills in every operation's shared parts; the document is changed in place and returned. */
export function applyConventions(doc: OpenApiDocument, options: ConventionOptions): OpenApiDocument {
  doc.components ??= {};
  doc.components.headers = { ...HEADERS, ...(doc.components.headers as Json | undefined) };
  const usedTags = new Set<string>();
  const ids = new Map<string, string>();

  for (const [path, item] of Object.entries(doc.paths)) {
    const isApi = options.isApi(path);
    const isPublic = options.isPublic(path);
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path}`;
      op.operationId ??= deriveOperationId(doc, method, path, op);
      const clash = ids.get(op.operationId);
      if (clash) throw new Error(`operationId ${op.operationId} is used by both ${clash} and ${where}`);
      ids.set(op.operationId, where);
      op.tags = op.tags?.length ? op.tags : [isApi ? (path.split("/")[2] ?? "meta") : "meta"];
      for (const t of op.tags) usedTags.add(t);
      op.description ??= op.summary ?? where;
      op.security = isPublic ? [] : (op.security ?? options.security);

      const isStream = Boolean(op.responses["101"]);
      op.parameters ??= [];
      const params = op.parameters;
      if (method === "get" && !isStream) {
        const query = params.filter((p) => p.in === "query");
        let fields = query.find((p) => p.name === "fields");
        // Without a query schema of its own, a GET with a JSON answer still takes ?fields= (the caching middleware
        // applies it); an HTML or CSV-only answer has no fields to keep.
        const answersJson = Boolean(
          (op.responses["200"] as { content?: Json } | undefined)?.content?.["application/json"],
        );
        if (!fields && query.length === 0 && answersJson) {
          fields = { in: "query", name: "fields", required: false, schema: { type: "string", maxLength: 512 } };
          params.push(fields);
        }
        const names = declaredFields(doc, op);
        if (fields && names.length) {
          const schema = (fields.schema ?? {}) as Json;
          schema.pattern = fieldsPattern(names);
          fields.schema = schema;
          fields.description = `Comma-separated fields to keep, of: ${names.join(", ")}`;
        }
        if (!params.some((p) => p.in === "header" && String(p.name).toLowerCase() === "if-none-match")) {
          params.push({
            in: "header",
            name: "If-None-Match",
            required: false,
            description: "An ETag from an earlier answer; the same tag gives 304 with no body",
            schema: { type: "string", maxLength: 256 },
          });
        }
        const format = params.find((p) => p.in === "query" && p.name === "format");
        const ok = op.responses["200"] as { content?: Json } | undefined;
        if (ok?.content && ((format?.schema as Json | undefined)?.enum as string[] | undefined)?.includes("csv")) {
          ok.content["text/csv"] ??= {
            schema: { type: "string", description: "RFC 4180 CSV with a header row; the same rows as the JSON" },
          };
        }
        op.responses["304"] ??= { description: "Not modified: the ETag sent in If-None-Match is current" };
        op.responses["400"] ??= problemRef("Validation failed (an unknown name in fields)");
      }
      if (params.length === 0) delete op.parameters;

      if (isApi && !isStream) {
        op.responses["429"] ??= problemRef("Rate limited; see Retry-After");
        op.responses["500"] ??= problemRef("Internal error");
        if (!isPublic) op.responses["401"] ??= problemRef("Missing or invalid credentials");
      }
      const idempotent = params.some((p) => p.in === "header" && String(p.name).toLowerCase() === "idempotency-key");
      const createsItem = Object.keys(doc.paths).some((p) => p.startsWith(`${path}/{`));
      for (const [status, response] of Object.entries(op.responses)) {
        const code = Number(status);
        const names = ["X-Request-Id"];
        if (isApi) names.push("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
        if (code === 429) names.push("Retry-After");
        if (method === "get" && (code === 200 || code === 304)) names.push("ETag", "Cache-Control");
        if (method === "get" && code === 200 && isPage(doc, op)) names.push("Link");
        if (method === "post" && (code === 201 || code === 202) && createsItem) names.push("Location");
        if (idempotent && code >= 200 && code < 300) names.push("Idempotent-Replayed");
        addHeaders(response, names);
      }
    }
  }

  doc.tags = [...usedTags].sort().map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  relaxDefaults(doc.components.schemas);
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const body = item[method]?.requestBody as Json | undefined;
      relaxDefaults(body);
    }
  }
  return doc;
}
