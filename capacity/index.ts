export * from "./types";
export * from "./catalog";
export * from "./estimate";
export * from "./planning";
export * from "./vllmArgs";
export * from "./fromArgs";
export * from "./quantity";
export * from "./workloadShapes";
