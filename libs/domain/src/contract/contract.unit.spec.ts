import { report } from '../shipment/shipment.fixtures';
import { BILLING_POLICY_DEFAULTS, withPolicyDefaults, type BillingPolicyInput } from './billing-policy';
import type { ContractCommand } from './contract.commands';
import { decideContract } from './contract.decide';
import type { ContractEvent } from './contract.events';
import { contractStreamId, customerIdOf } from './contract-stream';
import { contractView, foldContract } from './contract.state';

const record = (
  policy: BillingPolicyInput,
  contractId = 'K-ACME-2026',
  messageId?: string,
): ContractCommand => ({
  type: 'RecordContract',
  data: {
    ...report('2026-11-01T09:00:00Z', 'admin-api', messageId),
    customerId: 'C-ACME',
    contractId,
    policy,
  },
});

/** Given / when / then for the contract decider. */
function given(events: readonly ContractEvent[]) {
  const state = foldContract(events);
  return {
    when(command: ContractCommand) {
      const produced = decideContract(command, state);
      return {
        then(expected: readonly ContractEvent[]): ContractEvent[] {
          expect(produced).toEqual(expected);
          return [...events, ...produced];
        },
        thenNothing(): void {
          expect(produced).toEqual([]);
        },
      };
    },
  };
}

function recorded(command: ContractCommand, version: number): ContractEvent {
  const { policy, ...rest } = command.data;
  return { type: 'ContractPolicyRecorded', data: { ...rest, version, policy: withPolicyDefaults(policy) } };
}

describe('billing policy', () => {
  it('when only the trigger is given, then the contract v1 defaults fill the rest', () => {
    expect(withPolicyDefaults({ billingTrigger: 'pod' })).toEqual({
      billingTrigger: 'pod',
      requireSignedPod: false,
      requireTemperatureCompliance: false,
      requireExceptionsCleared: true,
      podGraceHours: 48,
    });
  });

  it('when a requirement is stated, then it wins over the default, false included', () => {
    expect(
      withPolicyDefaults({ billingTrigger: 'delivered', requireExceptionsCleared: false, podGraceHours: 0 }),
    ).toEqual({
      ...BILLING_POLICY_DEFAULTS,
      billingTrigger: 'delivered',
      requireExceptionsCleared: false,
      podGraceHours: 0,
    });
  });
});

describe('contract', () => {
  it('when the first contract is recorded, then it is version 1 with the defaults filled in', () => {
    const first = record({ billingTrigger: 'delivered' });
    const events = given([])
      .when(first)
      .then([recorded(first, 1)]);
    expect(contractView(foldContract(events))).toMatchObject({
      customerId: 'C-ACME',
      contractId: 'K-ACME-2026',
      version: 1,
      policy: { billingTrigger: 'delivered', requireExceptionsCleared: true, podGraceHours: 48 },
    });
  });

  it('when the same contract and policy are stated again, even with the defaults spelled out, then it is corroborated and no version is made', () => {
    const first = record({ billingTrigger: 'delivered' });
    const again = record({ podGraceHours: 48, billingTrigger: 'delivered', requireSignedPod: false });
    given([recorded(first, 1)])
      .when(again)
      .then([
        {
          type: 'ContractPolicyCorroborated',
          data: {
            ...report('2026-11-01T09:00:00Z', 'admin-api', again.data.messageId),
            customerId: 'C-ACME',
            contractId: 'K-ACME-2026',
            version: 1,
          },
        },
      ]);
  });

  it('when the same message is delivered twice, then the second time records nothing', () => {
    const first = record({ billingTrigger: 'delivered' });
    given([recorded(first, 1)])
      .when(first)
      .thenNothing();
  });

  it('when the policy changes, then it is the next version, and current; the history keeps every version', () => {
    const v1 = record({ billingTrigger: 'delivered' });
    const v2 = record({ billingTrigger: 'pod', requireSignedPod: true });
    const back = record({ billingTrigger: 'delivered' });
    const events = given([recorded(v1, 1)])
      .when(v2)
      .then([recorded(v2, 2)]);
    const all = given(events)
      .when(back)
      .then([recorded(back, 3)]);
    const view = contractView(foldContract(all));
    expect(view).toMatchObject({ version: 3, policy: { billingTrigger: 'delivered' } });
    expect(view?.history.map((v) => [v.version, v.policy.billingTrigger, v.messageId])).toEqual([
      [1, 'delivered', v1.data.messageId],
      [2, 'pod', v2.data.messageId],
      [3, 'delivered', back.data.messageId],
    ]);
  });

  it('when a new contract id comes with the same policy, then it is a new version', () => {
    const v1 = record({ billingTrigger: 'delivered' });
    const renewed = record({ billingTrigger: 'delivered' }, 'K-ACME-2027');
    given([recorded(v1, 1)])
      .when(renewed)
      .then([recorded(renewed, 2)]);
  });

  it('when no contract is recorded, then there is no view', () => {
    expect(contractView(foldContract([]))).toBeNull();
  });

  it('when a customer id is given, then its stream is contract-<customerId>, and back', () => {
    expect(contractStreamId('C-ACME')).toBe('contract-C-ACME');
    expect(customerIdOf('contract-C-ACME')).toBe('C-ACME');
    expect(customerIdOf('shipment-S-1')).toBeNull();
  });
});
