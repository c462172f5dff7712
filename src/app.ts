// Builds the app: middleware order, route modules (registered explicitly), the OpenAPI document and /docs.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { methodNotAllowed } from "hono/method-not-allowed";
import { secureHeaders } from "hono/secure-headers";
import { getConfig, isLocal, jwtSecretProblem } from "./config";
import { REPORT_CSS } from "./domain/report-page";
import { ApiError, renderProblem } from "./errors";
import { identify, isApiPath, isPublicPath, requireAuthentication } from "./http/auth";
import { bodyRules } from "./http/body-rules";
import {
  conditionalGet,
  declaredFieldsFrom,
  defaultCacheControl,
  fieldSelection,
  wantsFreshAnswer,
} from "./http/caching";
import type { App, AppEnv } from "./http/context";
import { csvTimeSeries } from "./http/csv";
import { declaredGetFields } from "./http/declared-fields";
import { requestContext } from "./http/observability";
import { applyConventions, type OpenApiDocument } from "./http/openapi-conventions";
import { notFound, onError, validationHook } from "./http/problem";
import { rateLimit } from "./http/rate-limit";
import { RememberedRouter } from "./http/remembered-routes";
import { RouteCosts } from "./http/route-costs";
import { serverTiming, timed } from "./http/server-timing";
import { registerAdminJobRoutes } from "./routes/admin-jobs";
import { registerAlertRoutes } from "./routes/alerts";
import { registerAnalyticsRoutes } from "./routes/analytics";
import { registerApiKeyRoutes } from "./routes/api-keys";
import { registerAssetRiskRoutes } from "./routes/asset-risk";
import { registerAssetRoutes } from "./routes/assets";
import { registerAuditRoutes } from "./routes/audit";
import { registerAuthRoutes } from "./routes/auth";
import { registerCorporateActionRoutes } from "./routes/corporate-actions";
import { registerHealthRoutes } from "./routes/health";
import { registerIndexDataRoutes } from "./routes/index-data";
import { registerIndexInsightRoutes } from "./routes/index-insights";
import { registerIndexPreviewRoutes } from "./routes/index-previews";
import { registerIndexRiskRoutes } from "./routes/index-risk";
import { registerIndexVersionRoutes } from "./routes/index-versions";
import { registerIndexRoutes } from "./routes/indexes";
import { registerMarketCalendarRoutes } from "./routes/market-calendar";
import { registerMarketCapRoutes } from "./routes/market-caps";
import { registerMcpRoutes } from "./routes/mcp";
import { registerOrderRoutes } from "./routes/orders";
import { registerPortfolioRoutes } from "./routes/portfolio";
import { registerPriceRevisionRoutes } from "./routes/price-revisions";
import { registerPriceRoutes } from "./routes/prices";
import { registerQuoteRoutes } from "./routes/quotes";
import { registerSimulationRoutes } from "./routes/simulations";
import { registerStreamRoutes } from "./routes/stream";
import { registerWebhookRoutes } from "./routes/webhooks";
import { security as apiSecurity } from "./schemas/route-parts";
import { auditRefusals } from "./services/audit";
import { withVersionHold } from "./services/cache";

// /docs loads only from this Worker (the reference UI is a vendored static asset); the UI injects its styles inline.
/** One HSTS policy for every answer, /docs included: two years, subdomains, preload-list eligible. */
const HSTS = "max-age=63072000; includeSubDomains; preload";
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  fontSrc: ["'self'", "data:"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
};
const APP_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'", "ws:", "wss:"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * JSON and CSV answers (/v1, /mcp, /health, /openapi.json) are never rendered as a page: a CSP that allows
 * nothing and may not be framed, and none of the headers that only steer a document (COOP, Origin-Agent-Cluster,
 * X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies, X-XSS-Protection): 6 fewer
 * headers on every API answer, each of which workerd allocates, copies and sends (bench/RESULTS.md).
 */
const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] };
const DOCUMENT_ONLY_HEADERS_OFF = {
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  removePoweredBy: false, // nothing here sets X-Powered-By: deleting it was one more header call per answer
} as const;
const isApiAnswer = (path: string) =>
  isApiPath(path) || path === "/health" || path === "/health/ready" || path === "/openapi.json";

/** The report page (GET /v1/indexes/{id}/report) has one inline stylesheet: the CSP allows exactly its hash. */
const REPORT_PATH = /^\/v1\/indexes\/[^/]+\/report$/;
let reportCsp: Promise<Record<string, string[]>> | undefined;
function reportPolicy() {
  reportCsp ??= crypto.subtle.digest("SHA-256", new TextEncoder().encode(REPORT_CSS)).then((d) => ({
    defaultSrc: ["'none'"],
    styleSrc: [`'sha256-${btoa(String.fromCharCode(...new Uint8Array(d)))}'`],
    imgSrc: ["data:"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  }));
  return reportCsp;
}

export function buildApp(): App {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, router: new RememberedRouter() });

  app.use(async (c, next) => {
    c.set("config", getConfig(c.env));
    await next();
  });
  app.use(requestContext());
  // Fail closed: with a weak or published JWT secret anyone could mint tokens, so nothing serves but the
  // readiness probe, which names the setting. Then the per-stage timings, when they are on.
  app.use((c, next) => {
    if (c.req.path !== "/health/ready" && jwtSecretProblem(c.get("config")))
      throw new ApiError("upstream_unavailable", "The server is not configured to serve safely; see /health/ready");
    return serverTiming(c, next);
  });
  app.use(
    "/docs",
    secureHeaders({
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      strictTransportSecurity: HSTS,
      contentSecurityPolicy: DOCS_CSP,
    }),
  );
  // Built once, not per request: both middlewares precompute their headers from these options (the CSP report
  // path's policy is built on first use).
  const securityHeaders = (contentSecurityPolicy: Record<string, string[]>, documentHeaders = true) =>
    secureHeaders({
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      strictTransportSecurity: HSTS,
      contentSecurityPolicy,
      ...(documentHeaders ? {} : DOCUMENT_ONLY_HEADERS_OFF),
    });
  const appSecurityHeaders = securityHeaders(APP_CSP);
  const apiSecurityHeaders = securityHeaders(API_CSP, false);
  let reportSecurityHeaders: Promise<MiddlewareHandler> | undefined;
  app.use("*", async (c, next) => {
    if (c.req.path === "/docs") return next();
    if (!REPORT_PATH.test(c.req.path))
      return (isApiAnswer(c.req.path) ? apiSecurityHeaders : appSecurityHeaders)(c, next);
    reportSecurityHeaders ??= reportPolicy().then(securityHeaders);
    return (await reportSecurityHeaders)(c, next);
  });
  const corsHeaders = cors({
    origin: (origin, c) => (c.get("config").CORS_ORIGINS.includes(origin) ? origin : null),
    allowHeaders: [
      "Authorization",
      "X-API-Key",
      "Content-Type",
      "Idempotency-Key",
      "X-Request-Id",
      "X-Timestamp",
      "X-Signature",
      "If-None-Match",
      "Cache-Control",
      "Mcp-Protocol-Version",
    ],
    allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: [
      "X-Request-Id",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
      "Retry-After",
      "ETag",
      "Idempotent-Replayed",
      "Link",
      "Location",
    ],
    maxAge: 600,
  });
  // Only a browser's cross-origin request carries Origin, and only it reads CORS headers: any other request skips
  // the middleware (which builds a placeholder response to stamp headers on) but still varies on Origin.
  app.use("*", async (c, next) => {
    if (c.req.header("origin") !== undefined) return corsHeaders(c, next);
    await next();
    // On the finished answer's own headers: hono's c.header() would copy the whole Response to add one.
    c.res.headers.append("Vary", "Origin");
  });
  // Whose bucket (key, user or IP) is known before limiting, and limiting comes before every refusal, so 401/404/405 carry RateLimit-*.
  // The routes are registered below; their declared costs are read on first use.
  let routeCosts: RouteCosts | undefined;
  const costs = () => {
    routeCosts ??= new RouteCosts(app.openAPIRegistry);
    return routeCosts;
  };
  app.use("/v1/*", identify(), rateLimit(costs));
  app.use("/mcp", identify(), rateLimit(costs));
  app.use(conditionalGet());
  app.use(defaultCacheControl());
  // The routes are registered below; the map of their declared fields is built on first use.
  app.use(csvTimeSeries());
  app.use(fieldSelection(declaredFieldsFrom(() => declaredGetFields(app.openAPIRegistry))));
  app.use(
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const res = renderProblem(
          new ApiError("method_not_allowed", `${c.req.method} is not allowed here; use ${methods.join(", ")}`),
          c.get("requestId"),
        );
        res.headers.set("Allow", methods.join(", "));
        return res;
      },
    }),
  );
  app.use("/v1/*", bodyRules());
  app.use("/mcp", bodyRules());
  let seeded = false;
  app.use("/v1/*", async (c, next) => {
    const cfg = c.get("config");
    if (!seeded && cfg.SEED_ON_EMPTY && isLocal(cfg)) {
      // Loaded only where seeding is allowed; production never runs this path.
      const { ensureSeeded } = await import("./services/seed");
      await ensureSeeded(c.env, cfg);
      seeded = true; // ensureSeeded keeps its one successful run for the isolate's life: nothing left to wait for
    }
    return next();
  });

  // Public paths (auth, and the stream, which authenticates with its first message) are listed in http/auth.ts.
  app.use("/v1/*", requireAuthentication());
  app.use("/mcp", requireAuthentication());
  app.use("/v1/*", auditRefusals());
  // A /v1 GET's freshness: cache versions may come from isolate memory for CACHE_VERSION_HOLD_MS, unless the
  // client asks for a fresh answer (`Cache-Control: no-cache` or `max-age=0`), which reads each version from KV.
  // Other methods (and everything outside /v1) read every version from KV.
  app.use("/v1/*", (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") return timed(c, "route", next());
    const hold = wantsFreshAnswer(c.req.header("cache-control")) ? 0 : c.get("config").CACHE_VERSION_HOLD_MS;
    return withVersionHold(hold, () => timed(c, "route", next()));
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
  });

  registerHealthRoutes(app);
  registerAuthRoutes(app);
  registerApiKeyRoutes(app);
  registerAuditRoutes(app);
  registerAssetRoutes(app);
  registerPriceRoutes(app);
  registerPriceRevisionRoutes(app);
  registerCorporateActionRoutes(app);
  registerMarketCapRoutes(app);
  registerQuoteRoutes(app);
  registerMarketCalendarRoutes(app);
  registerIndexPreviewRoutes(app);
  registerIndexRoutes(app);
  registerIndexDataRoutes(app);
  registerIndexVersionRoutes(app);
  registerIndexInsightRoutes(app);
  registerIndexRiskRoutes(app);
  registerSimulationRoutes(app);
  registerAnalyticsRoutes(app);
  registerAssetRiskRoutes(app);
  registerStreamRoutes(app);
  registerOrderRoutes(app);
  registerPortfolioRoutes(app);
  registerAlertRoutes(app);
  registerWebhookRoutes(app);
  registerAdminJobRoutes(app);
  registerMcpRoutes(app);

  // The documents and pages themselves are routes of the contract too (Meta): described here, served below and
  // by the stream module (/asyncapi.json) and the assets Worker (/).
  const pages: Array<[path: string, summary: string, type: string, operationId: string]> = [
    ["/openapi.json", "This OpenAPI 3.1 document", "application/json", "getOpenApiDocument"],
    [
      "/asyncapi.json",
      "The AsyncAPI 3 document of the live stream (GET /v1/stream)",
      "application/json",
      "getAsyncApiDocument",
    ],
    ["/docs", "The interactive API reference, rendered from this document", "text/html", "getApiReference"],
    ["/", "The live dashboard page (index chart against its benchmark, live quotes)", "text/html", "getDashboard"],
  ];
  for (const [path, summary, type, operationId] of pages)
    app.openAPIRegistry.registerPath({
      method: "get",
      path,
      operationId,
      "x-rate-limit-cost": 1,
      tags: ["meta"],
      summary,
      responses: {
        200: {
          description: summary,
          content: { [type]: { schema: type === "text/html" ? { type: "string" } : { type: "object" } } },
        },
      },
    } as Parameters<typeof app.openAPIRegistry.registerPath>[0]);

  // Built once per isolate and origin: the routes do not change while it runs.
  const documents = new Map<string, string>();
  app.get("/openapi.json", (c) => {
    const origin = new URL(c.req.url).origin;
    let body = documents.get(origin);
    if (!body) {
      const generated = app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "edgeindex API",
          version: c.get("config").APP_VERSION,
          description: "Market data, custom indexes, risk analytics, backtests and paper trading at the edge.",
          contact: { name: "edgeindex", url: "https://docs.edgeindex.dev" },
          license: { name: "Proprietary", url: "https://docs.edgeindex.dev/license" },
        },
        servers: [{ url: origin }],
      }) as unknown as OpenApiDocument;
      body = JSON.stringify(
        applyConventions(generated, { isPublic: isPublicPath, isApi: isApiPath, security: apiSecurity }),
      );
      documents.set(origin, body);
    }
    return c.body(body, 200, { "content-type": "application/json; charset=utf-8" });
  });
  app.get("/docs", async (c) => {
    const page = await c.env.ASSETS.fetch(new URL("/docs.html", c.req.url));
    return c.html(await page.text(), page.ok ? 200 : 500);
  });

  // The dashboard's files (public/) come from the assets-only Worker behind the ASSETS service binding
  // (site/wrangler.toml) through this one, so they carry X-Request-Id and the security headers above like every
  // other answer. /v1 never falls through to them.
  app.notFound(async (c) => {
    if ((c.req.method === "GET" || c.req.method === "HEAD") && !c.req.path.startsWith("/v1/")) {
      const file = await c.env.ASSETS.fetch(c.req.raw);
      if (file.status !== 404) return new Response(file.body, file);
      await file.body?.cancel();
    }
    return notFound(c);
  });
  app.onError(onError);
  return app;
}
