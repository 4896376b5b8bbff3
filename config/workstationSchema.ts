import { z } from "zod";
import { pinnedImage } from "./gatewaySchema";

/**
 * Seed 003: in development, inference runs on a GPU workstation outside the cluster, its container
 * managed by @pulumi/docker; the gateway reaches it over HTTP.
 */
export const workstationConfigSchema = z
  .strictObject({
    /** Docker endpoint of the workstation: `ssh://user@gpu-box` (recommended) or `tcp://host:2376` with TLS. */
    dockerHost: z.string().regex(/^(ssh|tcp|unix):\/\/\S+$/, { error: 'must be a Docker host URL such as "ssh://user@gpu-box" or "tcp://gpu-box:2376"' }),
    /** Host name or IP the cluster uses to reach the workstation. */
    address: z.string().min(1),
    /** Interface the port is published on: the workstation's address the cluster reaches (never 0.0.0.0 without allowAllInterfaces). */
    bindAddress: z.string().refine((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && a.split(".").every((octet) => Number(octet) <= 255), {
      error: (issue) => `"${String(issue.input)}" must be an IPv4 address of the workstation (the one the cluster reaches)`,
    }),
    /** Accept bindAddress 0.0.0.0: the model server on every interface of the workstation (a laptop on public Wi-Fi too). */
    allowAllInterfaces: z.boolean().default(false),
    engine: z.enum(["vllm", "ollama"]).default("vllm"),
    image: pinnedImage("vllm/vllm-openai:v0.19.0"),
    /** vLLM: a Hugging Face id; Ollama: a model tag to pull. */
    model: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    /** `all`, or device indices such as "0,1". */
    gpus: z
      .string()
      .regex(/^(all|\d+(,\d+)*)$/)
      .default("all"),
    gpuMemoryUtilization: z.number().gt(0).lte(1).default(0.9),
    maxModelLen: z.number().int().positive().default(8192),
    modelCacheVolume: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
      .default("llm-platform-models"),
    extraArgs: z.array(z.string()).default([]),
  })
  .superRefine((w, ctx) => {
    if (w.bindAddress === "0.0.0.0" && !w.allowAllInterfaces) {
      ctx.addIssue({
        code: "custom",
        path: ["bindAddress"],
        message:
          "0.0.0.0 publishes the model server on every interface of the workstation; give the address the cluster reaches " +
          "(e.g. its LAN address), or set llm-platform:workstation.allowAllInterfaces: true to accept that",
      });
    }
    if (w.engine === "ollama" && !w.image.startsWith("ollama/")) {
      ctx.addIssue({ code: "custom", path: ["image"], message: 'engine "ollama" needs an ollama/ollama image (pinned), e.g. ollama/ollama:0.12.3' });
    }
  });

export type WorkstationConfig = z.output<typeof workstationConfigSchema>;
