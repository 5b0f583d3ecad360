/** What makes a shipment billable: the delivered milestone, or a proof of delivery. */
export const BILLING_TRIGGERS = ['delivered', 'pod'] as const;
export type BillingTrigger = (typeof BILLING_TRIGGERS)[number];

/** A customer's billing policy, complete (contract v1 §2, "Billing policy"). */
export interface BillingPolicy {
  readonly billingTrigger: BillingTrigger;
  /** Bill only with a POD that carries a signature. */
  readonly requireSignedPod: boolean;
  /** Bill only a shipment that never left its allowed temperature range. */
  readonly requireTemperatureCompliance: boolean;
  /** Bill only a shipment with no open exception. */
  readonly requireExceptionsCleared: boolean;
  /** How long after delivery a missing POD becomes a service case. */
  readonly podGraceHours: number;
}

/**
 * A policy as a contract message or the admin API states it: the trigger is required, every
 * requirement may be left out and then takes its default.
 */
export type BillingPolicyInput = Pick<BillingPolicy, 'billingTrigger'> &
  Partial<Omit<BillingPolicy, 'billingTrigger'>>;

/** The defaults of contract v1 §2. */
export const BILLING_POLICY_DEFAULTS: Omit<BillingPolicy, 'billingTrigger'> = Object.freeze({
  requireSignedPod: false,
  requireTemperatureCompliance: false,
  requireExceptionsCleared: true,
  podGraceHours: 48,
});

/** The complete policy: what the input states, and the defaults for what it leaves out. */
export function withPolicyDefaults(input: BillingPolicyInput): BillingPolicy {
  return {
    billingTrigger: input.billingTrigger,
    requireSignedPod: input.requireSignedPod ?? BILLING_POLICY_DEFAULTS.requireSignedPod,
    requireTemperatureCompliance:
      input.requireTemperatureCompliance ?? BILLING_POLICY_DEFAULTS.requireTemperatureCompliance,
    requireExceptionsCleared:
      input.requireExceptionsCleared ?? BILLING_POLICY_DEFAULTS.requireExceptionsCleared,
    podGraceHours: input.podGraceHours ?? BILLING_POLICY_DEFAULTS.podGraceHours,
  };
}

/** Whether billing under this policy needs a POD at all: as its trigger, or for its signature. */
export function policyNeedsPod(policy: BillingPolicy): boolean {
  return policy.billingTrigger === 'pod' || policy.requireSignedPod;
}
