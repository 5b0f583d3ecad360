import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrorCode, PROBLEM_TYPE_BASE } from './api-error-code';

export class ProblemDto {
  @ApiProperty({
    example: `${PROBLEM_TYPE_BASE}not-found`,
    description: 'Stable URI naming the kind of problem',
  })
  type!: string;

  @ApiProperty({ example: 'Not found' })
  title!: string;

  @ApiProperty({ example: 404 })
  status!: number;

  @ApiProperty({ example: 'no shipment SHP-1 is known' })
  detail!: string;

  @ApiProperty({ example: '/v1/shipments/SHP-1', description: 'The request path this occurrence is about' })
  instance!: string;

  @ApiProperty({ enum: ApiErrorCode, enumName: 'ApiErrorCode' })
  code!: ApiErrorCode;

  @ApiPropertyOptional({
    description: 'For invalid input: what was wrong with which parameter',
    type: 'array',
    items: {
      type: 'object',
      properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } },
    },
  })
  errors?: { field: string; messages: string[] }[];
}

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input (parameter, query, body or cursor)',
  401: 'Missing or invalid API key',
  403: "The key's role is too low for this route",
  404: 'Not found',
  409: 'Conflicts with the current state',
  503: 'A backing service is unreachable',
};

/** Documents the problem responses a route can give, as `application/problem+json`. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
      }),
    ),
  );
}
