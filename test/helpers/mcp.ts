// An MCP client from the official SDK, speaking Streamable HTTP to the real Worker through its fetch entry.
import { exports } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { BASE } from "./http";

export interface McpCredential {
  token?: string;
  key?: string;
  headers?: Record<string, string>;
  /** Another way into the Worker (e.g. the app over an env with overridden settings); default its fetch entry. */
  fetch?: (request: Request) => Promise<Response>;
}

/** Every HTTP exchange the transport made, so a test can check statuses and headers on the wire. */
export interface Wire {
  responses: Response[];
}

export async function connectMcp(credential: McpCredential = {}, wire: Wire = { responses: [] }): Promise<Client> {
  const headers: Record<string, string> = { ...credential.headers };
  if (credential.token) headers.authorization = `Bearer ${credential.token}`;
  if (credential.key) headers["x-api-key"] = credential.key;
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    requestInit: { headers },
    fetch: async (url, init) => {
      const request = new Request(url, init);
      const res = await (credential.fetch ? credential.fetch(request) : exports.default.fetch(request));
      wire.responses.push(res.clone());
      return res;
    },
  });
  // workerd forbids code generation, so the client validates with the interpreting validator too.
  const client = new Client(
    { name: "edgeindex-test-agent", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  await client.connect(transport);
  return client;
}
