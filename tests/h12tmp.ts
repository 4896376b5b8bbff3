import { join } from "node:path";
import { synthesize } from "../plan/synthesize";
import { diffPlans, changeReportLines } from "../plan/diff";
import { parsePlatformConfig } from "../config/load";
import { PROJECT_ROOT, pulumiConfigMap, stackConfig, variant } from "./fixtures/stacks";
const run = async (raw: any) => (await synthesize({ program: join(PROJECT_ROOT, "index.ts"), project: "llm-platform", stack: "prod", config: pulumiConfigMap(raw), keyGeneratedValues: true })).resources;
(async () => {
  const raw = stackConfig("prod");
  const base = await run(raw);
  const cases: [string, (c: any) => void][] = [
    ["schedule", (c) => (c.qdrant.snapshotSchedule = "30 3 * * *")],
    ["qdrant-class", (c) => (c.storage.qdrant.storageClass = "nfs-rwx")],
    ["adapter", (c) => (c.adapters.summarize = { server: "llm", description: "x" })],
    ["redis", (c) => (c.gateway.rotation = { redisPassword: 1 })],
    ["client", (c) => delete c.gateway.clients.n8n],
    ["pgimage", (c) => (c.gateway.postgres = { image: "postgres:17.7" })],
  ];
  for (const [name, m] of cases) {
    const cur = variant(raw, m);
    const d = diffPlans(base, await run(cur), { baseConfig: parsePlatformConfig(raw), currentConfig: parsePlatformConfig(cur), base: name });
    console.log("=====", name, d.exitCode); console.log(changeReportLines(d).join("\n"));
  }
})();
