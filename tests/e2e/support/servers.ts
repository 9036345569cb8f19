import { createServer, type Server } from 'node:http';

export interface StaticRoute {
  body: string | Buffer | (() => string | Buffer);
  type: string;
}

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

/** Cross-origin isolation headers for a test page that embeds Heirloom (threads in the iframe). */
export const embedderIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * A tiny static server on its own port: a second (or third) origin for the embedding tests.
 * `routes` maps a path to its body; `headersFor` adds headers per path (e.g. isolation).
 */
export function startStaticServer(port: number, routes: Record<string, StaticRoute>, headersFor: (path: string) => Record<string, string> = () => ({})): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes[path];
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const body = typeof route.body === 'function' ? route.body() : route.body;
    res.writeHead(200, { 'Content-Type': route.type, 'Cache-Control': 'no-store', ...headersFor(path) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve({
      origin: `http://localhost:${port}`,
      close: () => new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
    }));
  });
}
