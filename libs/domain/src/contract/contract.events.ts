import type { Report } from '../shipment/shipment.types';
import type { BillingPolicy } from './billing-policy';

/**
 * The events of a customer's contract stream. The `type` strings are stored in the event log and
 * are a contract: never rename one, never derive it from a class name.
 */
export type ContractEvent =
  | {
      /** A new policy version; it is the customer's current contract from now on. */
      readonly type: 'ContractPolicyRecorded';
      readonly data: Report & {
        readonly customerId: string;
        readonly contractId: string;
        /** 1, 2, 3… per customer, in the order the versions were recorded. */
        readonly version: number;
        /** Complete: the defaults are filled in, so that a later change of a default changes no version. */
        readonly policy: BillingPolicy;
      };
    }
  | {
      /** The current contract and policy stated again: recorded, but no new version. */
      readonly type: 'ContractPolicyCorroborated';
      readonly data: Report & {
        readonly customerId: string;
        readonly contractId: string;
        /** The version it confirms. */
        readonly version: number;
      };
    };

export type ContractEventType = ContractEvent['type'];

export const CONTRACT_EVENT_TYPES: readonly ContractEventType[] = [
  'ContractPolicyRecorded',
  'ContractPolicyCorroborated',
];

export function isContractEvent(event: { type: string }): event is ContractEvent {
  return (CONTRACT_EVENT_TYPES as readonly string[]).includes(event.type);
}
