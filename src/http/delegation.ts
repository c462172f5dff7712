// In-process calls made on behalf of an already-admitted caller (the MCP server's tools call the REST routes).
import type { Channel, Identity, Principal } from "./context";

export interface Delegation {
  principal: Principal;
  identity: Identity;
  channel: Channel;
}

/**
 * Keyed by the Request object itself: only code in this isolate can put an entry here, so no header a client
 * sends can claim to be delegated. The credential was checked (signature and replay included) on the outer
 * request; re-checking it on the inner one would fail a signed key's one-time signature.
 */
const delegations = new WeakMap<Request, Delegation>();

export function delegatedRequest(url: string, init: RequestInit, delegation: Delegation): Request {
  const request = new Request(url, init);
  delegations.set(request, delegation);
  return request;
}

export function delegationOf(request: Request): Delegation | undefined {
  return delegations.get(request);
}
