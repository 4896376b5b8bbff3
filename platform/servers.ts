import {
  estimateInputFromArgs,
  estimateMemory,
  lookupModel,
  minGpuMemoryUtilization,
  type EstimateInput,
  type MemoryEstimate,
} from "@llm-platform/capacity";
import { ConfigError, keyPath, type ConfigIssue } from "../config/load";
import type { HostConfig, PlatformConfig, ServerConfig } from "../config/schema";
import { vllmArgs, type HostedAdapter, type ServedModel } from "../components/specs/vllm";

/** A vLLM server with everything the program needs to render it: its model, adapters and memory plan. */
export interface PlannedServer {
  name: string;
  config: ServerConfig;
  model: ServedModel;
  adapters: HostedAdapter[];
  /** `--gpu-memory-utilization`: the configured value, or the smallest that fits when configured "auto". */
  gpuMemoryUtilization: number;
  /** Memory on one card for the resolved command line. */
  estimate: MemoryEstimate;
  /** The `vllm serve` arguments the Deployment will run. */
  args: string[];
}

/** Memory of the smallest GPU in the inventory: a pod may land on any GPU node. */
export function cardMemoryGiB(host: HostConfig): number | undefined {
  const cards = Object.values(host.nodes)
    .filter((node) => node.gpus > 0 && node.gpuMemoryGiB !== undefined)
    .map((node) => node.gpuMemoryGiB!);
  return cards.length > 0 ? Math.min(...cards) : undefined;
}

export function totalGpus(host: HostConfig): number {
  return Object.values(host.nodes).reduce((sum, node) => sum + node.gpus, 0);
}

function servedModel(config: PlatformConfig, alias: string): ServedModel {
  const model = config.models[alias]!;
  return { alias, id: model.id, revision: model.revision, runtimeQuantization: model.runtimeQuantization, entry: lookupModel(model.id) };
}

function hostedAdapters(config: PlatformConfig, server: string): HostedAdapter[] {
  return Object.entries(config.adapters)
    .filter(([, adapter]) => adapter.server === server)
    .map(([name, adapter]) => ({ name, lora: adapter.lora }));
}

function withUtilization(input: EstimateInput, gpuMemoryUtilization: number): EstimateInput {
  return { ...input, vllm: { ...input.vllm, gpuMemoryUtilization } };
}

function describeShortfall(name: string, server: ServerConfig, input: EstimateInput, cardGiB: number): string {
  const full = estimateMemory(withUtilization(input, 1));
  return (
    `"auto" found no --gpu-memory-utilization that fits ${server.fullLengthSequences} sequence(s) of ` +
    `${server.maxModelLen} tokens for server "${name}" on a ${cardGiB} GiB card: weights ${full.weightsGiB.toFixed(2)} GiB + ` +
    `activations ${full.activationGiB.toFixed(2)} GiB + non-torch ${full.nonTorchGiB.toFixed(2)} GiB leave ` +
    `${Math.max(0, full.kvCacheGiB).toFixed(2)} GiB of KV cache even at 1.0. Use a 4-bit build of the model, ` +
    `lower maxModelLen or maxNumBatchedTokens, set kvCacheDtype: fp8, or give the server bigger GPUs`
  );
}

/**
 * Resolves every configured server into the command line it will run. "auto" utilization becomes the
 * smallest fraction of the card whose KV cache holds `fullLengthSequences` max-length sequences, so
 * co-located servers leave each other as much memory as possible. Throws ConfigError (before any
 * resource exists) when a server cannot fit even the whole card.
 */
export function planServers(config: PlatformConfig): PlannedServer[] {
  const servers = Object.entries(config.servers);
  if (servers.length === 0) return [];
  const cardGiB = cardMemoryGiB(config.host);
  if (cardGiB === undefined) {
    throw new ConfigError([
      { path: keyPath(["host", "nodes"]), message: `servers (${servers.map(([n]) => n).join(", ")}) need GPUs but no node has gpus > 0` },
    ]);
  }
  const allowTensorParallel = config.gpuSharing.mode === "none";
  const issues: ConfigIssue[] = [];
  const planned: PlannedServer[] = [];
  for (const [name, server] of servers) {
    const model = servedModel(config, server.model);
    const adapters = hostedAdapters(config, name);
    const render = (gpuMemoryUtilization: number) =>
      vllmArgs({ name, server, model, adapters, gpuMemoryUtilization, gpu: { allowTensorParallel } });
    let utilization = server.gpuMemoryUtilization === "auto" ? undefined : server.gpuMemoryUtilization;
    if (utilization === undefined) {
      const probe = estimateInputFromArgs(render(1), cardGiB);
      utilization = minGpuMemoryUtilization(probe, { maxModelLen: server.maxModelLen, concurrency: server.fullLengthSequences });
      if (utilization === undefined) {
        issues.push({ path: keyPath(["servers", name, "gpuMemoryUtilization"]), message: describeShortfall(name, server, probe, cardGiB) });
        continue;
      }
    }
    const args = render(utilization);
    planned.push({
      name,
      config: server,
      model,
      adapters,
      gpuMemoryUtilization: utilization,
      estimate: estimateMemory(estimateInputFromArgs(args, cardGiB)),
      args,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return planned;
}
