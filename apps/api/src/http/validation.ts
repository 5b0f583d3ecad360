import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError, ApiErrorCode } from '../problems/api-error';

/**
 * Validates and converts every DTO-typed parameter, query and body. Unknown query parameters and
 * body fields are rejected, so a typo is a 400 rather than a silently ignored filter.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problems = flatten(errors);
      return new ApiError(
        ApiErrorCode.InvalidRequest,
        problems.map((p) => p.messages.join('; ')).join('; ') || 'the request is not valid',
        { extensions: { errors: problems } },
      );
    },
  });
}

function flatten(errors: readonly ValidationError[], parent = ''): { field: string; messages: string[] }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
