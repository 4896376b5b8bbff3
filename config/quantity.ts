// Quantities live in the kube package so the policy pack (published on its own) parses them the same way.
export * from "@llm-platform/kube/quantity";
