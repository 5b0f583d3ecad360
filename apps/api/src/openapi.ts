import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** OpenAPI document at /docs-json, Swagger UI at /docs (contract v1: the machine-readable copy). */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Waybill API')
    .setDescription(
      'Shipment state folded from the event log, its events, customer contracts, the billable-shipment and exception-queue read models and parked messages. Every /v1 route needs ' +
        '`Authorization: Bearer <key>`; roles are ordered admin ⊃ operator ⊃ auditor ⊃ reader. Errors are ' +
        '`application/problem+json` (RFC 9457). Lists take `limit` (1–500, default 50) and an opaque `cursor`, ' +
        'and answer `{ items, nextCursor }`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key of WAYBILL_API_KEYS' })
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', raw: ['json'] });
}
