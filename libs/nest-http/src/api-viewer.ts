import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Options of {@link serveApiViewer}. */
export interface ApiViewerOptions {
  /** The OpenAPI document to show (the one the app serves as JSON). */
  document: () => Record<string, unknown>;
  /** Where the viewer lives (default `/docs`). */
  routePrefix?: string;
}

/**
 * Swagger UI for the app's OpenAPI document at `/docs`, its scripts and styles served by the
 * app itself from the `@fastify/swagger-ui` package (no CDN), with a Content-Security-Policy
 * that allows only them. The document is the app's own (built from its schemas), handed to
 * `@fastify/swagger` in static mode: nothing is derived from the routes. Register before the app
 * initialises.
 *
 * @example
 * await serveApiViewer(app, { document: () => openApiDocumentWithServer(issuer) });
 */
export async function serveApiViewer(app: NestFastifyApplication, options: ApiViewerOptions): Promise<void> {
  const initial = options.document();
  await app.register(fastifySwagger as never, { mode: 'static', specification: { document: initial } });
  await app.register(fastifySwaggerUi as never, {
    routePrefix: options.routePrefix ?? '/docs',
    staticCSP: true,
    // The document as served now (e.g. with the issuer fixed up after listening on port 0).
    transformSpecification: () => options.document(),
    uiConfig: { validatorUrl: null },
  });
}
