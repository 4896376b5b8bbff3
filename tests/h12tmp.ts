import { keyedPlan } from "./plan/diffPlans";
import { stackConfig, variant } from "./fixtures/stacks";
(async () => {
  const raw = stackConfig("prod");
  for (let i = 0; i < 4; i++) { const t = Date.now(); await keyedPlan("prod", variant(raw, (c) => (c.qdrant.snapshotRetain = 10 + i))); console.log(Date.now() - t); }
})();
