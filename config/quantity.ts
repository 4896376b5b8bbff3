// Quantities live in the capacity package so the policy pack (published on its own) parses them the same way.
export * from "@llm-platform/capacity/quantity";
