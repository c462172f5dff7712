// Sockets grouped by key (symbol, index, user) in a shard: adding, dropping and sending one frame to a group.

export function unique(list: string[]): string[] {
  return [...new Set(list)];
}

export function addSocket(map: Map<string, Set<WebSocket>>, key: string, ws: WebSocket) {
  const set = map.get(key);
  if (set) set.add(ws);
  else map.set(key, new Set([ws]));
}

export function dropSocket(map: Map<string, Set<WebSocket>>, key: string, ws: WebSocket): boolean {
  const set = map.get(key);
  if (!set) return false;
  set.delete(ws);
  if (set.size === 0) map.delete(key);
  return set.size === 0;
}

export function broadcast(set: Set<WebSocket> | undefined, frame: string): number {
  if (!set) return 0;
  let n = 0;
  for (const ws of set) {
    try {
      ws.send(frame);
      n++;
    } catch {
      // a socket closing mid-tick; its close handler removes it
    }
  }
  return n;
}
