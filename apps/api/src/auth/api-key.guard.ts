import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@waybill/platform';
import type { Request } from 'express';
import { ApiError, ApiErrorCode } from '../problems/api-error';
import { ApiKeys } from './api-keys';
import { PUBLIC_ROUTE, REQUIRED_ROLE } from './requires-role.decorator';
import { roleSatisfies } from './roles';

/** The caller's role, set on the request once the key is checked. */
export interface AuthenticatedRequest extends Request {
  waybillRole?: Role;
}

/**
 * Global guard, deny by default: every route needs `Authorization: Bearer <key>` (401 without a
 * valid one) and at least its {@link RequiresRole} role (403), unless it is a {@link PublicRoute}.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, targets) ?? 'reader';

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (!header) {
      throw new ApiError(
        ApiErrorCode.Unauthorized,
        'this route needs an "Authorization: Bearer <key>" header',
      );
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new ApiError(ApiErrorCode.Unauthorized, 'the Authorization header must be "Bearer <key>"');
    }
    const role = this.keys.roleOf(match[1]!);
    if (role === null) throw new ApiError(ApiErrorCode.Unauthorized, 'the API key is not valid');
    if (!roleSatisfies(role, required)) {
      throw new ApiError(
        ApiErrorCode.Forbidden,
        `this route needs role ${required} or higher; the key has role ${role}`,
        { extensions: { requiredRole: required } },
      );
    }
    request.waybillRole = role;
    return true;
  }
}
