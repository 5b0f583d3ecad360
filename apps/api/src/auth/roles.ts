import type { Role } from '@waybill/platform';

/** Contract v1 §4: admin ⊃ operator ⊃ auditor ⊃ reader. */
export const ROLES_BY_RANK: readonly Role[] = ['reader', 'auditor', 'operator', 'admin'];

export function roleSatisfies(held: Role, required: Role): boolean {
  return ROLES_BY_RANK.indexOf(held) >= ROLES_BY_RANK.indexOf(required);
}
