export * from "./gateway";
export * from "./httpRoute";
