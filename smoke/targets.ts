import { lookupModel } from "@llm-platform/capacity";
import type { PlatformConfig } from "../config/schema";
import { perReplicaLimit } from "../components/specs/edge";
import { publicRoutes } from "../platform/routes";

/** Tasks whose servers the smoke test knows: everything else scores pairs (a reranker). */
const KNOWN_TASKS = new Set(["generate", "embed"]);

export interface AdapterTarget {
  name: string;
  /** Public prefix of its path route, `/chat/v1`; the edge rewrites it to `/openai/deployments/<name>`. */
  prefix: string;
  /** Key of the route in the public route table (the Ingress label `llm-platform.io/route`). */
  routeKey: string;
  /** The in-cluster server, or undefined for the gateway's default provider. */
  server?: string;
}

export interface ModelTarget {
  /** The name clients ask the gateway for. */
  model: string;
  /** The in-cluster server behind it, when the config has one. */
  server?: string;
}

/** What `npm run smoke` exercises, all taken from the stack config. */
export interface SmokeTargets {
  /** `edge.hosts[0]`; undefined when the stack has no edge. */
  host?: string;
  adapters: AdapterTarget[];
  /** The `/v1` route's prefix. */
  v1Prefix: string;
  embedding?: ModelTarget;
  reranker?: ModelTarget;
  vectorSearch?: {
    prefix: string;
    collection: string;
    /**
     * The collection's vector size, as the program creates it: the in-cluster embedding model's
     * dimension, else `qdrant.collection.vectorSize`. Embeddings must have this length to be searchable.
     */
    vectorSize?: number;
    /** Read endpoint the check calls: Qdrant's universal `query` when routed, else `search`. */
    endpoint: "query" | "search";
  };
  cors?: { origins: string[]; headers: string[]; methods: string[] };
  rateLimits?: { rps?: number; rpm?: number; connections?: number; perReplica: { rps?: number; rpm?: number; connections?: number }; burstMultiplier: number; allowlist: string[]; replicas: number };
  namespaces: PlatformConfig["namespaces"];
  /** The production ACME issuer gives publicly trusted certificates; staging's are untrusted by design. */
  acme?: "staging" | "production";
  hsts?: { maxAgeSeconds: number };
  /** Client name → the models its key may call (`gateway.clients.<name>.models`; absent: all). */
  clientModels: Record<string, string[] | undefined>;
}

export interface TargetOverrides {
  embeddingModel?: string;
  rerankModel?: string;
}

function embeddingDimension(config: PlatformConfig, server: string): number | undefined {
  const model = config.models[config.servers[server]!.model];
  return model ? lookupModel(model.id).embeddingDimension : undefined;
}

/**
 * The smoke test's targets from the validated stack config and the one public route table
 * (platform/routes.ts): path routes per adapter, `/v1`, `/vector-search/<suffix>`.
 */
export function smokeTargets(config: PlatformConfig, overrides: TargetOverrides = {}): SmokeTargets {
  const routes = publicRoutes(config);
  const edge = config.edge;
  const adapters: AdapterTarget[] = routes
    .filter((r) => r.adapter !== undefined)
    .map((r) => ({ name: r.adapter!, prefix: r.prefix, routeKey: r.key, server: config.adapters[r.adapter!]!.server }));

  const serverEntries = Object.entries(config.servers);
  const embedServer = serverEntries.find(([, s]) => s.task === "embed")?.[0];
  const embedding = overrides.embeddingModel
    ? { model: overrides.embeddingModel, server: config.servers[overrides.embeddingModel] ? overrides.embeddingModel : undefined }
    : embedServer
      ? { model: embedServer, server: embedServer }
      : undefined;

  // A server whose task is neither generate nor embed scores (query, document) pairs: the gateway
  // serves it on its rerank route under the server's name, as it does embedding servers.
  const rerankServer = serverEntries.find(([, s]) => !KNOWN_TASKS.has(String(s.task)))?.[0];
  const reranker = overrides.rerankModel
    ? { model: overrides.rerankModel, server: config.servers[overrides.rerankModel] ? overrides.rerankModel : undefined }
    : rerankServer
      ? { model: rerankServer, server: rerankServer }
      : undefined;

  const vectorRoute = routes.find((r) => r.backend === "vector-store");
  const suffixes = vectorRoute?.rewrite?.allowedSuffixes ?? [];
  const vectorSize = (embedServer ? embeddingDimension(config, embedServer) : undefined) ?? config.qdrant.collection.vectorSize;

  const limits = edge?.rateLimits;
  const replicas = edge?.controller.replicas ?? 1;
  const per = (v: number | undefined) => (v === undefined ? undefined : perReplicaLimit(v, replicas));

  return {
    host: edge?.hosts[0],
    adapters,
    v1Prefix: routes.find((r) => r.key === "v1")!.prefix,
    embedding,
    reranker,
    vectorSearch: vectorRoute
      ? {
          prefix: vectorRoute.prefix,
          collection: config.qdrant.collection.name,
          vectorSize,
          endpoint: suffixes.includes("query") || suffixes.length === 0 ? "query" : "search",
        }
      : undefined,
    cors: edge?.cors ? { origins: edge.cors.origins, headers: edge.cors.headers, methods: edge.cors.methods } : undefined,
    rateLimits:
      limits && (limits.rps || limits.rpm || limits.connections)
        ? {
            rps: limits.rps,
            rpm: limits.rpm,
            connections: limits.connections,
            perReplica: { rps: per(limits.rps), rpm: per(limits.rpm), connections: per(limits.connections) },
            burstMultiplier: limits.burstMultiplier,
            allowlist: limits.allowlist,
            replicas,
          }
        : undefined,
    namespaces: config.namespaces,
    acme: edge?.acme,
    hsts: edge ? { maxAgeSeconds: edge.hsts.maxAgeSeconds } : undefined,
    clientModels: Object.fromEntries(Object.entries(config.gateway.clients).map(([name, c]) => [name, c.models])),
  };
}
