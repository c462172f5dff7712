// The layering rules (README "Architecture"), checked by `npm run layering`, part of `npm run check` and `.ci/run`.
// Data flows one way: route → service → (domain, db, provider); domain imports nothing from the others.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "A cycle means two modules are one concept split in two, or a type lives in the wrong home.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "domain-is-pure",
      severity: "error",
      comment: "domain/ is pure: it imports nothing outside itself (no I/O, no Workers types, no libraries).",
      from: { path: "^src/domain/" },
      to: { pathNot: "^src/domain/" },
    },
    {
      name: "db-imports-domain-schemas-config",
      severity: "error",
      comment: "db/ imports only domain/, schemas/, config and drizzle.",
      from: { path: "^src/db/" },
      to: {
        pathNot: ["^src/db/", "^src/domain/", "^src/schemas/", "^src/config\\.ts$", "^node_modules/drizzle-orm/"],
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "db-types-from-domain-schemas-config",
      severity: "error",
      comment: "Even a type-only import from db/ points down: domain, schemas, config, drizzle, Workers types.",
      from: { path: "^src/db/" },
      to: {
        dependencyTypes: ["type-only"],
        pathNot: [
          "^src/db/",
          "^src/domain/",
          "^src/schemas/",
          "^src/config\\.ts$",
          "^node_modules/drizzle-orm/",
          "^node_modules/@cloudflare/workers-types/",
        ],
      },
    },
    {
      name: "providers-stay-below-durable-services-http",
      severity: "error",
      comment: "providers/ never imports durable/, services/, http/, routes/ or jobs/.",
      from: { path: "^src/providers/" },
      to: { path: "^src/(durable|services|http|routes|jobs)/" },
    },
    {
      name: "routes-never-import-db",
      severity: "error",
      comment: "Routes parse, call a service, shape: SQL and its handle stay behind services.",
      from: { path: "^src/routes/" },
      to: { path: "^src/db/" },
    },
    {
      name: "routes-never-read-through-kv",
      severity: "error",
      comment: "The KV read-through runs in services; a route may only name the Cached<T> type it unwraps.",
      from: { path: "^src/routes/" },
      to: { path: "^src/services/cache\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "http-never-imports-db-or-services-or-routes",
      severity: "error",
      comment: "http/ is cross-cutting middleware: it calls services through their exported functions only.",
      from: { path: "^src/http/" },
      to: { path: "^src/(db|routes|jobs)/", pathNot: "^src/db/keyset\\.ts$" },
    },
    {
      name: "schemas-are-declarative",
      severity: "error",
      comment: "schemas/ are zod shapes: they import only domain/, other schemas and zod.",
      from: { path: "^src/schemas/" },
      to: { path: "^src/(db|services|http|routes|jobs|durable|providers)/" },
    },
    {
      name: "services-never-import-routes-or-jobs",
      severity: "error",
      comment: "Services sit below routes and jobs; a service that needs a job only enqueues its message.",
      from: { path: "^src/services/" },
      to: { path: "^src/(routes|jobs)/" },
    },
    {
      name: "only-db-speaks-drizzle",
      severity: "error",
      comment: "drizzle (query builders, sql``, the D1 driver) is imported only inside db/.",
      from: { path: "^src/", pathNot: "^src/db/" },
      to: { path: "^node_modules/drizzle-orm/" },
    },
    {
      name: "no-orphans",
      severity: "warn",
      comment: "A module nothing imports is dead code (entry points and type declarations excepted).",
      from: { orphan: true, path: "^src/", pathNot: ["^src/index\\.ts$", "\\.d\\.ts$"] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: ["^src/", "^node_modules/drizzle-orm/", "^node_modules/@cloudflare/workers-types/"],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
