import { PolicyPack } from "@pulumi/policy";
import { allPolicies, PACK_NAME } from "./pack";

new PolicyPack(PACK_NAME, {
  description: "Refuses llm-platform plans the GPUs, CPU, RAM and storage of the host cannot run, and unsafe workloads.",
  policies: allPolicies,
});
