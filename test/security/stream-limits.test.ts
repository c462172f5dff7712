// Finding 10 (stream): one connection cannot get 3,000 pongs a second (20 messages a second, then rate_limited
// frames), and one user cannot hold more than QUOTA_STREAM_CONNECTIONS sockets (quota_exceeded, closed).
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getConfig } from "../../src/config";
import { userToken } from "../helpers/http";
import { authedStream, connectShard } from "../helpers/stream";

describe("stream limits", () => {
  it("answers at most 20 messages a second; the rest get rate_limited frames and the socket stays open", async () => {
    const { token } = await userToken();
    const client = await authedStream(token, "shard:1");
    const from = client.frames.length;
    for (let i = 0; i < 100; i++) client.send({ action: "ping" });
    await client.next((f) => f.type === "error" && f.code === "rate_limited", { from });
    await new Promise((r) => setTimeout(r, 300));
    const frames = client.frames.slice(from);
    const pongs = frames.filter((f) => f.type === "pong").length;
    const limited = frames.filter((f) => f.type === "error" && f.code === "rate_limited").length;
    // All 100 arrive within well under a second, so one window: 20 answered, 80 refused.
    expect(pongs).toBeLessThanOrEqual(20);
    expect(pongs + limited).toBe(100);
    expect(client.closed).toBeNull();
  });

  it("refuses a user's connection past the quota with quota_exceeded and closes it", async () => {
    const quota = getConfig(env).QUOTA_STREAM_CONNECTIONS;
    const { token } = await userToken();
    const open = [];
    for (let i = 0; i < quota; i++) open.push(await authedStream(token, `shard:${i % 4}`));
    const extra = await connectShard("shard:2");
    extra.send({ action: "auth", token });
    const refusal = await extra.next((f) => f.type === "error");
    expect(refusal.code).toBe("quota_exceeded");
    expect((await extra.waitClosed()).code).toBe(4008);
    // Closing one frees a place.
    open[0]!.ws.close(1000, "done");
    await open[0]!.waitClosed();
    await new Promise((r) => setTimeout(r, 200));
    const again = await authedStream(token, "shard:3");
    expect(again.closed).toBeNull();
  });

  it("a client that leaves during its auth keeps no place: the user's stream leases come back to none", async () => {
    const { id, token } = await userToken();
    for (let i = 0; i < 5; i++) {
      const socket = await connectShard(`shard:${i % 4}`);
      socket.send({ action: "auth", token });
      socket.ws.close(1000, "gone at once"); // while the shard is still checking the token
    }
    await new Promise((r) => setTimeout(r, 1000));
    const leases = await runInDurableObject(
      env.RATE_LIMITER.getByName(`streams:${id}`),
      (_, state) => [...state.storage.kv.list({ prefix: "stream:" })].length,
    );
    expect(leases).toBe(0);
  });
});
