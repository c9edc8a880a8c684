import type { RequestListener } from 'node:http';
import type { Registry } from 'prom-client';

/** A bare /metrics endpoint for processes without the HTTP API (`pjm manager`). */
export function metricsHandler(registry: Registry): RequestListener {
  return (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  };
}
