import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Role } from '@waybill/platform';
import { ApiProblems } from '../problems/problem.dto';

export const REQUIRED_ROLE = 'waybill:required-role';
export const PUBLIC_ROUTE = 'waybill:public-route';

/**
 * The least role that may call a route or every route of a controller. Routes without it still
 * need a valid key (role `reader`) unless marked {@link PublicRoute}.
 */
export function RequiresRole(role: Role): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRED_ROLE, role), ApiBearerAuth(), ApiProblems(401, 403));
}

/** A route anyone may call without a key, and without a rate limit: only /health and /metrics. */
export function PublicRoute(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(PUBLIC_ROUTE, true), SkipThrottle());
}
