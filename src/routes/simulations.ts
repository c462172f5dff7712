// Backtests: submit one (202, run as a job; Idempotency-Key replays) and read its curve, trades and metrics.
import { createRoute, z } from "@hono/zod-openapi";
import { principalOf, requireScope } from "../http/auth";
import type { App } from "../http/context";
import { idempotent } from "../http/idempotency";
import {
  bodyErrorResponses,
  errorResponses,
  fieldsParam,
  formatParam,
  idempotencyKeyHeader,
  jsonBody,
  jsonContent,
  security,
} from "../schemas/route-parts";
import { Simulation, SimulationAccepted, SimulationBody, SimulationIdPath } from "../schemas/simulations";
import { audit } from "../services/audit";
import { createSimulation, loadOwnedSimulation, publicSimulation } from "../services/simulations";

const tags = ["simulations"];

const create = createRoute({
  method: "post",
  path: "/v1/simulations",
  "x-rate-limit-cost": 20,
  tags,
  summary: "Backtest an index definition or one of your indexes (accepts Idempotency-Key)",
  security,
  middleware: [requireScope("trade"), idempotent()] as const,
  request: {
    headers: idempotencyKeyHeader,
    ...jsonBody(SimulationBody),
  },
  responses: { 202: jsonContent(SimulationAccepted, "Accepted; the simulation is queued"), ...bodyErrorResponses },
});

const read = createRoute({
  method: "get",
  path: "/v1/simulations/{id}",
  "x-rate-limit-cost": 1,
  tags,
  summary: "A simulation: status, equity curve, trades and metrics",
  security,
  middleware: [requireScope("read")] as const,
  request: { params: SimulationIdPath, query: z.strictObject({ fields: fieldsParam, format: formatParam }) },
  responses: { 200: jsonContent(Simulation, "The simulation"), ...errorResponses },
});

export function registerSimulationRoutes(app: App) {
  app.openapi(create, async (c) => {
    const row = await createSimulation(c.env, principalOf(c).userId, c.req.valid("json"));
    await audit(c, { action: "simulation.create", target: row.id, outcome: "success" });
    c.header("Location", `/v1/simulations/${row.id}`);
    return c.json({ id: row.id, status: row.status }, 202);
  });

  app.openapi(read, async (c) => {
    const row = await loadOwnedSimulation(c.env.DB, principalOf(c).userId, c.req.valid("param").id);
    return c.json((await publicSimulation(c.env, row)) as z.infer<typeof Simulation>, 200);
  });
}
