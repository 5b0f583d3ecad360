import { decide } from './shipment.decide';
import type { ShipmentCommand } from './shipment.commands';
import type { ShipmentEvent } from './shipment.events';
import { fold, type ShipmentState } from './shipment.state';

/**
 * Given / when / then for the shipment decider, in the style of Emmett's DeciderSpecification:
 * `given([booked]).when(deliver).then([delivered])`. Test-only; not exported from the lib.
 */
export function given(events: readonly ShipmentEvent[]) {
  const state = fold(events);
  return {
    when(command: ShipmentCommand) {
      const produced = decide(command, state);
      return {
        then(expected: readonly ShipmentEvent[]): ShipmentState {
          expect(produced).toEqual(expected);
          return fold(produced, state);
        },
        thenNothing(): void {
          expect(produced).toEqual([]);
        },
        get events(): ShipmentEvent[] {
          return produced;
        },
      };
    },
  };
}
