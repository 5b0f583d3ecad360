import type { CurrentContract } from '../contract/contract.state';
import type { ShipmentDecisionEvent, ShipmentStreamEvent } from '../shipment/shipment.events';
import { fold } from '../shipment/shipment.state';
import { decideBilling, decideDeadline, type BillingSagaContext } from './billing-saga';
import { context as defaultContext } from './billing.fixtures';

/**
 * Given / when / then for the billing saga: `given(history).under(contract).whenBillingDecided()
 * .then([released])`. `then` asserts the events exactly and returns the history with them
 * appended, for the next step. Test-only; not exported from the lib.
 */
export function given(history: readonly ShipmentStreamEvent[]) {
  const state = fold(history);
  return {
    under(contract: CurrentContract | null) {
      const outcome = (produced: ShipmentDecisionEvent[]) => ({
        then(expected: readonly ShipmentDecisionEvent[]): ShipmentStreamEvent[] {
          expect(produced).toEqual(expected);
          return [...history, ...produced];
        },
        thenNothing(): void {
          expect(produced).toEqual([]);
        },
        /** The history with what was decided appended, whatever it was. */
        get history(): ShipmentStreamEvent[] {
          return [...history, ...produced];
        },
        events: produced,
      });
      return {
        whenBillingDecided(context: BillingSagaContext = defaultContext()) {
          return outcome(decideBilling(state, contract, context));
        },
        whenDeadlineChecked(context: BillingSagaContext = defaultContext()) {
          return outcome(decideDeadline(state, contract, context));
        },
      };
    },
  };
}
