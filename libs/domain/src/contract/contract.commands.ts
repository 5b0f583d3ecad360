import type { Report } from '../shipment/shipment.types';
import type { BillingPolicyInput } from './billing-policy';

/**
 * A customer's contract as the `contract` ingest message or `PUT /v1/contracts/{customerId}`
 * states it. `messageId` is the ingest message, or the request id for the admin API; time comes
 * in here, never from a clock.
 */
export type ContractCommand = {
  readonly type: 'RecordContract';
  readonly data: Report & {
    readonly customerId: string;
    readonly contractId: string;
    readonly policy: BillingPolicyInput;
  };
};

export type ContractCommandType = ContractCommand['type'];
