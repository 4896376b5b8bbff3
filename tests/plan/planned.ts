import { parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import { deployOrder, type DeployOrder } from "../../plan/deployOrder";
import { planStack, type StackPlan } from "../fixtures/plans";
import { stackConfig } from "../fixtures/stacks";

export interface Planned extends StackPlan {
  config: PlatformConfig;
  order: DeployOrder;
}

const cache = new Map<string, Promise<Planned>>();

/**
 * The fixture stack planned once per test run (each synthesis takes a second or two). Plain data:
 * a test that changes anything works on `structuredClone(plan.resources)`.
 */
export function planned(stack: "prod" | "dev"): Promise<Planned> {
  let p = cache.get(stack);
  if (!p) {
    p = planStack(stack).then((plan) => ({ ...plan, config: parsePlatformConfig(stackConfig(stack)), order: deployOrder(plan.resources) }));
    cache.set(stack, p);
  }
  return p;
}
