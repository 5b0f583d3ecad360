import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { NextFunction, Request, Response } from 'express';

/**
 * Prometheus metrics of one API instance, in a registry of its own (not prom-client's global one),
 * so that several apps in one process (tests, the combined launcher) do not collide.
 */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    this.registry.setDefaultLabels({ service: 'waybill-api' });
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  /** Express middleware that observes every request once its response is finished. */
  middleware(): (request: Request, response: Response, next: NextFunction) => void {
    return (request, response, next) => {
      const stop = this.duration.startTimer();
      response.on('finish', () => {
        // The route pattern, never the raw URL: ids in paths would make a series per shipment.
        const route = (request.route as { path?: unknown } | undefined)?.path;
        const labels = {
          method: request.method,
          route: typeof route === 'string' ? route : 'unmatched',
          status: String(response.statusCode),
        };
        this.requests.inc(labels);
        stop(labels);
      });
      next();
    };
  }
}
