/**
 * The `vllm serve` command line, both ways: the program renders it from typed settings and the
 * policy pack reads it back from a Deployment, so both reason about the same numbers.
 */
export interface LoraModule {
  name: string;
  /** Hugging Face repo id or a path inside the container. */
  path: string;
}

export interface VllmServeOptions {
  /** Hugging Face model id (the positional argument of `vllm serve`). */
  model: string;
  revision?: string;
  servedModelNames: string[];
  /** generate; embed (`--runner pooling --convert embed`); score: a cross-encoder (`--runner pooling`, served at /v1/score and /rerank). */
  task: "generate" | "embed" | "score";
  dtype?: "auto" | "bfloat16" | "float16" | "float32";
  /** vLLM `--quantization` value (awq_marlin, gptq_marlin, fp8, ...); absent: read from the checkpoint. */
  quantization?: string;
  maxModelLen: number;
  maxNumSeqs: number;
  maxNumBatchedTokens?: number;
  gpuMemoryUtilization: number;
  kvCacheDtype: "auto" | "fp8";
  enforceEager: boolean;
  tensorParallelSize: number;
  lora?: { maxLoras: number; maxLoraRank: number; maxCpuLoras: number; modules: LoraModule[] };
  port: number;
  extraArgs: string[];
}

export function renderVllmArgs(o: VllmServeOptions): string[] {
  const args = [o.model];
  if (o.revision) args.push("--revision", o.revision);
  args.push("--served-model-name", ...o.servedModelNames);
  if (o.task === "embed") args.push("--runner", "pooling", "--convert", "embed");
  // A *ForSequenceClassification checkpoint converts to classify by itself (vllm/config/model.py suffix table).
  if (o.task === "score") args.push("--runner", "pooling");
  if (o.dtype) args.push("--dtype", o.dtype);
  if (o.quantization) args.push("--quantization", o.quantization);
  args.push("--max-model-len", String(o.maxModelLen), "--max-num-seqs", String(o.maxNumSeqs));
  if (o.maxNumBatchedTokens) args.push("--max-num-batched-tokens", String(o.maxNumBatchedTokens));
  args.push("--gpu-memory-utilization", String(o.gpuMemoryUtilization));
  if (o.kvCacheDtype !== "auto") args.push("--kv-cache-dtype", o.kvCacheDtype);
  if (o.enforceEager) args.push("--enforce-eager");
  if (o.tensorParallelSize > 1) args.push("--tensor-parallel-size", String(o.tensorParallelSize));
  if (o.lora) {
    args.push(
      "--enable-lora",
      "--max-loras",
      String(o.lora.maxLoras),
      "--max-lora-rank",
      String(o.lora.maxLoraRank),
      "--max-cpu-loras",
      String(o.lora.maxCpuLoras),
    );
    if (o.lora.modules.length > 0) args.push("--lora-modules", ...o.lora.modules.map((m) => `${m.name}=${m.path}`));
  }
  args.push("--port", String(o.port), ...o.extraArgs);
  return args;
}

/** What a `vllm serve` command line sets; absent fields were left to vLLM's defaults. */
export interface ParsedVllmArgs {
  model?: string;
  flags: Map<string, string[]>;
}

/** Splits `vllm serve` args into the model and `--flag value...` groups (`--flag=value` accepted). */
export function parseVllmArgs(args: readonly string[]): ParsedVllmArgs {
  const flags = new Map<string, string[]>();
  let model: string | undefined;
  let current: string[] | undefined;
  for (const arg of args) {
    if (arg.startsWith("--")) {
      const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      current = [];
      flags.set(flag, current);
      if (inline !== undefined) current.push(inline);
    } else if (current) {
      current.push(arg);
    } else if (model === undefined && arg !== "serve" && arg !== "vllm") {
      model = arg;
    }
  }
  return { model: model ?? flags.get("model")?.[0], flags };
}

export function flagNumber(parsed: ParsedVllmArgs, flag: string): number | undefined {
  const value = parsed.flags.get(flag)?.[0];
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function flagPresent(parsed: ParsedVllmArgs, flag: string): boolean {
  const values = parsed.flags.get(flag);
  return values !== undefined && (values.length === 0 || values[0] !== "false");
}
