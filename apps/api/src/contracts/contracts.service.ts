import { Inject, Injectable } from '@nestjs/common';
import {
  type BillingPolicy,
  type BillingPolicyInput,
  canonicalJson,
  type ContractEvent,
  type ContractState,
  contractStreamId,
  type ContractVersion,
  contractView,
  type CurrentContract,
  decideContract,
  foldContract,
  isContractEvent,
  withPolicyDefaults,
} from '@waybill/domain';
import {
  deterministicId,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '@waybill/event-store';
import { EVENT_STORE } from '../api.tokens';
import { ApiError, ApiErrorCode } from '../problems/api-error';

/** A contract version as `GET /v1/contracts/{customerId}` shows it: with when it was recorded. */
export interface ContractVersionItem extends ContractVersion {
  readonly recordedAt: string;
}

export interface ContractBody {
  readonly customerId: string;
  readonly contractId: string;
  readonly version: number;
  readonly policy: BillingPolicy;
  readonly history: readonly ContractVersionItem[];
}

/** Who asks to record a contract, and under which ids: the edge's part of the command. */
export interface ContractRequest {
  /** The `Idempotency-Key`, or a generated id: a retried PUT with the same key records nothing. */
  readonly messageId: string;
  readonly correlationId: string;
  readonly source: string;
}

/**
 * Appends lost to a concurrent writer are retried this many times in all (STYLE §8); each round
 * has one winner, so this covers that many simultaneous writers of one customer's contract.
 */
export const MAX_APPEND_ATTEMPTS = 5;

interface LoadedContract {
  readonly events: readonly (RecordedEvent & ContractEvent)[];
  readonly state: ContractState;
  readonly expected: ExpectedRevision;
}

@Injectable()
export class ContractsService {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async view(customerId: string): Promise<ContractBody> {
    const { events, state } = await this.load(customerId);
    return this.toBody(customerId, events, state);
  }

  /** The customer's current contract (as Waybill knew it at `asOf`), or `null` before any. */
  async current(customerId: string, asOf?: Date): Promise<CurrentContract | null> {
    const { state } = await this.load(customerId, asOf);
    return state.current;
  }

  /**
   * Records a policy for the customer through the pure `decideContract`: a new version, a
   * corroboration of the current one, or nothing when this request id is recorded already.
   */
  async record(
    customerId: string,
    contractId: string,
    policy: BillingPolicyInput,
    request: ContractRequest,
  ): Promise<ContractBody> {
    const streamId = contractStreamId(customerId);
    for (let attempt = 1; ; attempt++) {
      const { events, state, expected } = await this.load(customerId);
      if (state.messageIds.has(request.messageId)) {
        assertSameStatement(events, state, request.messageId, contractId, policy);
        return this.toBody(customerId, events, state);
      }
      const now = new Date().toISOString();
      const decided = decideContract(
        {
          type: 'RecordContract',
          data: {
            messageId: request.messageId,
            source: request.source,
            occurredAt: now,
            receivedAt: now,
            customerId,
            contractId,
            policy,
          },
        },
        state,
      );
      try {
        await this.store.appendToStream(
          streamId,
          decided.map((event, i) => toNewEvent(event, i, request)),
          expected,
        );
      } catch (error) {
        if (error instanceof WrongExpectedRevisionError && attempt < MAX_APPEND_ATTEMPTS) continue;
        throw error;
      }
      return this.view(customerId);
    }
  }

  private async load(customerId: string, asOf?: Date): Promise<LoadedContract> {
    const recorded = await this.store.readStream(
      contractStreamId(customerId),
      asOf === undefined ? {} : { recordedUpTo: asOf },
    );
    const last = recorded.at(-1);
    const events = recorded.filter((event): event is RecordedEvent & ContractEvent => isContractEvent(event));
    return {
      events,
      state: foldContract(events),
      expected: last === undefined ? 'no_stream' : last.revision,
    };
  }

  private toBody(
    customerId: string,
    events: readonly (RecordedEvent & ContractEvent)[],
    state: ContractState,
  ): ContractBody {
    const view = contractView(state);
    if (!view) throw new ApiError(ApiErrorCode.NotFound, `no contract of customer ${customerId} is known`);
    const recordedAt = new Map(
      events.flatMap((event) =>
        event.type === 'ContractPolicyRecorded'
          ? [[event.data.version, event.recordedAt.toISOString()] as const]
          : [],
      ),
    );
    return {
      customerId: view.customerId,
      contractId: view.contractId,
      version: view.version,
      policy: view.policy,
      history: view.history.map((version) => ({
        ...version,
        recordedAt: recordedAt.get(version.version) ?? version.receivedAt,
      })),
    };
  }
}

function toNewEvent(event: ContractEvent, index: number, request: ContractRequest): NewEvent {
  return {
    id: deterministicId(`contract:${request.messageId}#${index}`),
    type: event.type,
    data: event.data,
    metadata: {
      messageId: request.messageId,
      correlationId: request.correlationId,
      causationId: request.messageId,
      occurredAt: event.data.occurredAt,
      source: event.data.source,
    },
  };
}

/**
 * A request id that is recorded already makes the PUT a no-op, but only when it states what was
 * recorded under that id: the same key with another contract or policy is a client bug, and
 * answering 200 with the old contract would hide it.
 */
function assertSameStatement(
  events: readonly ContractEvent[],
  state: ContractState,
  messageId: string,
  contractId: string,
  policy: BillingPolicyInput,
): void {
  const earlier = events.find((event) => event.data.messageId === messageId);
  if (!earlier) return;
  const earlierPolicy =
    earlier.type === 'ContractPolicyRecorded'
      ? earlier.data.policy
      : state.history.find((version) => version.version === earlier.data.version)?.policy;
  const same =
    earlier.data.contractId === contractId &&
    earlierPolicy !== undefined &&
    canonicalJson(earlierPolicy) === canonicalJson(withPolicyDefaults(policy));
  if (!same) {
    throw new ApiError(
      ApiErrorCode.Conflict,
      `Idempotency-Key ${messageId} was already used for another contract or policy of this customer`,
    );
  }
}
