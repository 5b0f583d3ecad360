import type { BillingPolicy } from './billing-policy';
import type { ContractEvent } from './contract.events';

/** What billing needs of a contract: which one, which version, and its policy. */
export interface CurrentContract {
  readonly contractId: string;
  readonly version: number;
  readonly policy: BillingPolicy;
}

/** One recorded policy version, with the message (or admin request) that stated it. */
export interface ContractVersion extends CurrentContract {
  readonly messageId: string;
  readonly source: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
}

export interface ContractState {
  readonly customerId: string | null;
  /** The version recorded last, or `null` before any. */
  readonly current: CurrentContract | null;
  /** Every version, oldest first. */
  readonly history: readonly ContractVersion[];
  /** Messages (or admin requests) already recorded: a redelivery of one of them is a no-op. */
  readonly messageIds: ReadonlySet<string>;
}

export const initialContractState: ContractState = Object.freeze({
  customerId: null,
  current: null,
  history: [],
  messageIds: new Set<string>(),
});

/** Folds one contract event into the state. Pure. */
export function evolveContract(state: ContractState, event: ContractEvent): ContractState {
  const messageIds = state.messageIds.has(event.data.messageId)
    ? state.messageIds
    : new Set(state.messageIds).add(event.data.messageId);
  switch (event.type) {
    case 'ContractPolicyRecorded': {
      const { customerId, contractId, version, policy, messageId, source, occurredAt, receivedAt } =
        event.data;
      const current: CurrentContract = { contractId, version, policy };
      return {
        customerId,
        current,
        history: [...state.history, { ...current, messageId, source, occurredAt, receivedAt }],
        messageIds,
      };
    }
    case 'ContractPolicyCorroborated':
      return { ...state, customerId: event.data.customerId, messageIds };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function foldContract(
  events: Iterable<ContractEvent>,
  state: ContractState = initialContractState,
): ContractState {
  let current = state;
  for (const event of events) current = evolveContract(current, event);
  return current;
}

/** The API's shape of a contract (`GET /v1/contracts/{customerId}`), or `null` before any version. */
export interface ContractView {
  readonly customerId: string;
  readonly contractId: string;
  readonly version: number;
  readonly policy: BillingPolicy;
  readonly history: readonly ContractVersion[];
}

export function contractView(state: ContractState): ContractView | null {
  if (!state.current || state.customerId === null) return null;
  return { customerId: state.customerId, ...state.current, history: state.history };
}
