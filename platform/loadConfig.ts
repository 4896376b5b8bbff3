import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../config/load";
import type { PlatformConfig } from "../config/schema";
import { planServers, type PlannedServer } from "./servers";

export interface LoadedPlatform {
  config: PlatformConfig;
  servers: PlannedServer[];
}

/**
 * Reads and validates the whole stack configuration and resolves the server plan. Runs before any
 * resource is declared: bad config throws ConfigError listing every problem, and nothing changes.
 */
export function loadPlatform(all: Record<string, string> = pulumi.runtime.allConfig()): LoadedPlatform {
  const config = parseStackConfig(all);
  return { config, servers: planServers(config) };
}
