export * from "./certificate";
export * from "./clusterIssuer";
export * from "./issuer";
