import { canonicalJson } from '../shipment/shipment.decide';
import { withPolicyDefaults } from './billing-policy';
import type { ContractCommand } from './contract.commands';
import type { ContractEvent } from './contract.events';
import type { ContractState } from './contract.state';

/**
 * Decides which events record a contract command. The same contract and policy as the current
 * version (after defaults, whatever the key order) is recorded as a corroboration and makes no
 * new version: a re-sent contract must not look like a change to billing. Anything else is the
 * next version and becomes current, in the order recorded (as with booking revisions), including
 * a return to an earlier policy. Returns `[]` only for a message the stream already records.
 */
export function decideContract(command: ContractCommand, state: ContractState): ContractEvent[] {
  const { data } = command;
  if (state.messageIds.has(data.messageId)) return [];
  switch (command.type) {
    case 'RecordContract': {
      const { customerId, contractId, messageId, source, occurredAt, receivedAt } = data;
      const report = { messageId, source, occurredAt, receivedAt };
      const policy = withPolicyDefaults(data.policy);
      const current = state.current;
      if (
        current &&
        current.contractId === contractId &&
        canonicalJson(current.policy) === canonicalJson(policy)
      ) {
        return [
          {
            type: 'ContractPolicyCorroborated',
            data: { ...report, customerId, contractId, version: current.version },
          },
        ];
      }
      const version = (current?.version ?? 0) + 1;
      return [
        { type: 'ContractPolicyRecorded', data: { ...report, customerId, contractId, version, policy } },
      ];
    }
    default: {
      const unknown: never = command.type;
      return unknown;
    }
  }
}
