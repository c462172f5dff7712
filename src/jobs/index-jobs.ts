// Registers the index-engine jobs (build, simulation, nightly rebuild_changed) and routes index events to webhooks.
import { emitEvent } from "../services/events";
import { handleBuild, handleRebuildChanged, onIndexEvent } from "../services/index-builder";
import { handleSimulation } from "../services/simulations";
import { registerJobHandler } from "./handlers";

let registered = false;

/** Idempotent, so the consumer and tests may both call it. */
export function registerIndexJobs(): void {
  if (registered) return;
  registered = true;
  registerJobHandler("build", (env, message) => handleBuild(env, message));
  registerJobHandler("simulation", (env, message) => handleSimulation(env, message));
  registerJobHandler("rebuild_changed", (env, message) => handleRebuildChanged(env, message));
  onIndexEvent((env, event) => emitEvent(env, undefined, event).then(() => undefined));
}

registerIndexJobs();
