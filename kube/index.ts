export * from "./quantity";
export * from "./workloads";
export * from "./images";
