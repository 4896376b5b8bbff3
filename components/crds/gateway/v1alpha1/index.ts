export * from "./clientSettingsPolicy";
export * from "./proxySettingsPolicy";
export * from "./rateLimitPolicy";
