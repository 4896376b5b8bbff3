import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lookupGpu, lookupModel, parseVllmArgs, planKernels } from "@llm-platform/capacity";
import { needsPinnedBackend, planServers, type HostCard } from "../../platform/servers";
import { parsePlatformConfig } from "../../config/load";
import {
  RolloutStrategy,
  loraPath,
  needsLoraVolume,
  servedModelNamesOf,
  startupWindowSeconds,
  vllmArgs,
  vllmAwaitSeconds,
  vllmBaseUrl,
  vllmContainerArgs,
  vllmDeploymentSpec,
  vllmModelFor,
  vllmServiceSpec,
  waitForGpuMemoryContainer,
  type HostedAdapter,
  type VllmKernelFlags,
  type VllmServeInputs,
  type VllmWorkloadSpec,
} from "../../components/specs/vllm";
import { minutes } from "../../components/specs/timeouts";
import { stackConfig, variant } from "../fixtures/stacks";

function serveInputs(overrides: Partial<VllmServeInputs> = {}): VllmServeInputs {
  const config = parsePlatformConfig(stackConfig("prod"));
  const id = config.models["llama-8b-awq"]!.id;
  return {
    name: "llm",
    server: config.servers.llm!,
    model: { alias: "llama-8b-awq", id, entry: lookupModel(id) },
    adapters: [{ name: "chatbot" }, { name: "code", lora: { source: "/lora" } }],
    gpuMemoryUtilization: 0.66,
    gpu: { allowTensorParallel: false },
    ...overrides,
  };
}

function workload(overrides: Partial<VllmWorkloadSpec> = {}): VllmWorkloadSpec {
  return {
    name: "llm",
    namespace: "llm-inference",
    image: "vllm/vllm-openai:v0.19.0",
    args: vllmContainerArgs(vllmArgs(serveInputs())),
    replicas: 1,
    gpu: { count: 1, resourceName: "nvidia.com/gpu", nodeSelector: { "nvidia.com/gpu.present": "true" }, tolerations: [] },
    resources: { requests: { cpu: "8", memory: "24Gi" }, limits: { cpu: "16", memory: "32Gi" } },
    shmSize: "2Gi",
    rollout: RolloutStrategy.Recreate,
    startupTimeoutSeconds: 1800,
    progressDeadlineSeconds: vllmAwaitSeconds(1800),
    modelCacheClaim: "base-models",
    loraVolumes: [{ adapter: "code", claimName: "vllm-llm-lora-code" }],
    ...overrides,
  };
}

const podOf = (a: VllmWorkloadSpec = workload()) => (vllmDeploymentSpec(a) as any).spec.template.spec;
const containerOf = (a?: VllmWorkloadSpec) => podOf(a).containers[0];
const envOf = (a?: VllmWorkloadSpec): Record<string, string> => Object.fromEntries(containerOf(a).env.map((e: any) => [e.name, e.value]));

describe("vLLM spec builders", () => {
  describe("the command line", () => {
    it("renders the command line the capacity model reads back", () => {
      const parsed = parseVllmArgs(vllmArgs(serveInputs()));
      assert.equal(parsed.model, "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
      assert.deepEqual(parsed.flags.get("gpu-memory-utilization"), ["0.66"]);
      assert.deepEqual(parsed.flags.get("max-model-len"), ["8192"]);
      // Prod's llm keeps vLLM's 16-bit KV cache (kvCacheDtype auto): no flag.
      assert.equal(parsed.flags.get("kv-cache-dtype"), undefined);
      assert.deepEqual(parsed.flags.get("quantization"), ["awq_marlin"]);
      assert.ok(parsed.flags.has("enforce-eager"));
      assert.deepEqual(parsed.flags.get("lora-modules"), ["code=/adapters/code/lora"]);
      assert.deepEqual(parsed.flags.get("max-loras"), ["1"]);
    });

    it("serves only the server's own name: plain adapters are the gateway's aliases of it (#22)", () => {
      assert.deepEqual(parseVllmArgs(vllmArgs(serveInputs())).flags.get("served-model-name"), ["llm"]);
    });

    it("keeps the command line byte for byte when plain adapters are added, renamed or removed", () => {
      const lora: HostedAdapter = { name: "code", lora: { source: "/lora" } };
      const base = vllmArgs(serveInputs({ adapters: [{ name: "chatbot" }, lora] }));
      assert.deepEqual(vllmArgs(serveInputs({ adapters: [{ name: "chatbot" }, { name: "rag" }, { name: "microservices" }, lora] })), base);
      assert.deepEqual(vllmArgs(serveInputs({ adapters: [{ name: "assistant" }, lora] })), base);
      assert.deepEqual(vllmArgs(serveInputs({ adapters: [lora] })), base);
    });

    it("still changes for a LoRA adapter, which is a module on the command line", () => {
      const one = vllmArgs(serveInputs({ adapters: [{ name: "code", lora: { source: "/lora" } }] }));
      const two = vllmArgs(
        serveInputs({
          adapters: [
            { name: "code", lora: { source: "/lora" } },
            { name: "sql", lora: { source: "acme/sql-lora" } },
          ],
        }),
      );
      assert.deepEqual(parseVllmArgs(two).flags.get("lora-modules"), ["code=/adapters/code/lora", "sql=acme/sql-lora"]);
      assert.notDeepEqual(one, two);
    });

    it("tells the gateway which model name reaches each adapter", () => {
      assert.equal(vllmModelFor("llm", { name: "chatbot" }), "llm");
      assert.equal(vllmModelFor("llm", { name: "code", lora: { source: "/v2" } }), "code");
    });

    it("puts LoRA weights given as paths on the adapter's volume; repo ids come from the model cache", () => {
      assert.equal(loraPath("code", "/v2"), "/adapters/code/v2");
      assert.equal(loraPath("code", "acme/code-lora"), "acme/code-lora");
      assert.equal(needsLoraVolume({ name: "code", lora: { source: "/v2" } }), true);
      assert.equal(needsLoraVolume({ name: "code", lora: { source: "acme/code-lora" } }), false);
      assert.equal(needsLoraVolume({ name: "chatbot" }), false);
    });

    it("pins the tokenizer with the model: --revision is the one flag (vLLM defaults tokenizer_revision to it)", () => {
      const a = serveInputs();
      const flags = parseVllmArgs(vllmArgs({ ...a, model: { ...a.model, revision: "db1f81ad4b8c7e39777509fac66c652eb0a52f91" } })).flags;
      assert.deepEqual(flags.get("revision"), ["db1f81ad4b8c7e39777509fac66c652eb0a52f91"]);
      assert.equal(flags.get("tokenizer-revision"), undefined);
    });

    it("never asks for tensor parallelism on shared GPUs", () => {
      const a = serveInputs();
      assert.equal(parseVllmArgs(vllmArgs({ ...a, server: { ...a.server, gpus: 2 } })).flags.get("tensor-parallel-size"), undefined);
      const tp = vllmArgs({ ...a, server: { ...a.server, gpus: 2 }, gpu: { allowTensorParallel: true } });
      assert.deepEqual(parseVllmArgs(tp).flags.get("tensor-parallel-size"), ["2"]);
    });

    it("renders embedding servers with the pooling runner", () => {
      const a = serveInputs();
      const flags = parseVllmArgs(vllmArgs({ ...a, server: { ...a.server, task: "embed" }, adapters: [] })).flags;
      assert.deepEqual(flags.get("runner"), ["pooling"]);
      assert.deepEqual(flags.get("convert"), ["embed"]);
    });

    it("owns --port: adds it when absent, keeps an equal one, refuses another", () => {
      assert.deepEqual(vllmContainerArgs(["m", "--max-model-len", "8"]), ["m", "--max-model-len", "8", "--port", "8000"]);
      assert.deepEqual(vllmContainerArgs(["m", "--port", "8000"]), ["m", "--port", "8000"]);
      assert.throws(() => vllmContainerArgs(["m", "--port", "9000"]), /vLLM args set --port 9000, but the server's Service and probes use 8000; drop --port/);
    });

    it("reads the served names back from any command line", () => {
      assert.deepEqual(servedModelNamesOf(["org/m", "--served-model-name", "a", "b", "--lora-modules", "x=/p", '{"name": "y", "path": "acme/y"}']), [
        "a",
        "b",
        "x",
        "y",
      ]);
      // Without --served-model-name vLLM serves the model id.
      assert.deepEqual(servedModelNamesOf(["org/m", "--max-model-len", "8"]), ["org/m"]);
    });
  });

  describe("kernel flags from the card's kernel plan (#14)", () => {
    it("renders what the plan picked: quantization, dtype, an fp8 KV cache and the pinned attention backend", () => {
      const kernels: VllmKernelFlags = { quantization: "awq", dtype: "float16", kvCacheDtype: "fp8", attentionBackend: "FLASHINFER" };
      const flags = parseVllmArgs(vllmArgs(serveInputs({ kernels }))).flags;
      assert.deepEqual(flags.get("quantization"), ["awq"]);
      assert.deepEqual(flags.get("dtype"), ["float16"]);
      assert.deepEqual(flags.get("kv-cache-dtype"), ["fp8"]);
      assert.deepEqual(flags.get("attention-backend"), ["FLASHINFER"]);
      // Without a pinned backend: no flag, vLLM picks one.
      assert.equal(parseVllmArgs(vllmArgs(serveInputs({ kernels: { ...kernels, attentionBackend: undefined } }))).flags.get("attention-backend"), undefined);
    });

    it("pins FLASHINFER for an fp8 KV cache below compute capability 8.9 (8.8, the 3080's 8.6), not from 8.9 (Ada) nor on Hopper", () => {
      const at = (major: number, minor: number): HostCard => {
        const spec = { ...lookupGpu("NVIDIA-L4"), computeCapability: { major, minor } };
        return { id: "n/gpu0", node: "n", index: 0, spec, memoryGiB: spec.usableMemoryGiB };
      };
      const fp8 = (card: HostCard) => planKernels(lookupModel("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"), { kvCacheDtype: "fp8" }, card.spec);
      for (const [major, minor, pinned] of [
        [8, 6, true],
        [8, 8, true],
        [8, 9, false],
        [9, 0, false],
      ] as const) {
        const plan = fp8(at(major, minor));
        assert.equal(plan.runnable, true, `${major}.${minor}`);
        assert.equal(needsPinnedBackend(plan, at(major, minor)), pinned, `${major}.${minor}`);
        if (pinned) assert.equal(plan.attentionBackend, "FLASHINFER");
      }
      // A 16-bit KV cache never pins a backend.
      const auto = planKernels(lookupModel("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4"), { kvCacheDtype: "auto" }, at(8, 6).spec);
      assert.equal(needsPinnedBackend(auto, at(8, 6)), false);
    });

    it("renders the pin in the program's command line on an RTX 3080 (8.6), and none on an RTX 4090 (8.9)", () => {
      const withCard = (product: string) =>
        planServers(
          parsePlatformConfig(variant(stackConfig("prod"), (c) => ((c.servers.llm.kvCacheDtype = "fp8"), (c.host.nodes["gpu-node"].gpuProduct = product)))),
        ).find((x) => x.name === "llm")!.args;
      const ampere = parseVllmArgs(withCard("NVIDIA-GeForce-RTX-3080")).flags;
      assert.deepEqual([ampere.get("kv-cache-dtype"), ampere.get("attention-backend")], [["fp8"], ["FLASHINFER"]]);
      const ada = parseVllmArgs(withCard("NVIDIA-GeForce-RTX-4090")).flags;
      assert.deepEqual([ada.get("kv-cache-dtype"), ada.get("attention-backend")], [["fp8"], undefined]);
    });
  });

  describe("GPUs through DRA ResourceClaims", () => {
    const dra = (waitForGpuMemory?: VllmWorkloadSpec["waitForGpuMemory"]) =>
      workload({
        gpu: {
          count: 2,
          resourceName: "nvidia.com/gpu",
          nodeSelector: { "kubernetes.io/hostname": "gpu-node" },
          tolerations: [],
          claims: ["gpu-gpu-node-gpu0", "gpu-gpu-node-gpu1"],
        },
        waitForGpuMemory,
      });

    it("references one claim per card in the pod and the container, and asks the device plugin for nothing", () => {
      const pod = podOf(dra());
      assert.deepEqual(pod.resourceClaims, [
        { name: "gpu-0", resourceClaimName: "gpu-gpu-node-gpu0" },
        { name: "gpu-1", resourceClaimName: "gpu-gpu-node-gpu1" },
      ]);
      assert.deepEqual(pod.containers[0].resources.claims, [{ name: "gpu-0" }, { name: "gpu-1" }]);
      assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], undefined);
      assert.equal(pod.containers[0].resources.requests["nvidia.com/gpu"], undefined);
      assert.equal(pod.initContainers, undefined, "no wait without waitForGpuMemory");
      // The device plugin's way, for contrast: a whole-number limit and no claims.
      assert.equal(containerOf().resources.limits["nvidia.com/gpu"], "1");
      assert.equal(podOf().resourceClaims, undefined);
    });

    it("waits in an init container on the same claims, with the vLLM image's python and a restricted context", () => {
      const init = podOf(dra({ gpuMemoryUtilization: 0.22, timeoutSeconds: 1800 })).initContainers;
      assert.deepEqual(
        init.map((c: any) => c.name),
        ["wait-for-gpu-memory"],
      );
      assert.equal(init[0].image, "vllm/vllm-openai:v0.19.0");
      assert.deepEqual(init[0].command.slice(0, 2), ["python3", "-c"]);
      assert.deepEqual(init[0].resources.claims, [{ name: "gpu-0" }, { name: "gpu-1" }]);
      assert.deepEqual(
        [init[0].securityContext.allowPrivilegeEscalation, init[0].securityContext.readOnlyRootFilesystem, init[0].securityContext.capabilities.drop],
        [false, true, ["ALL"]],
      );
      assert.match(init[0].command[2], /need, deadline = 0\.22, time\.time\(\) \+ 1800/);
    });

    it("lets vLLM start exactly when the card has utilization × total + 512 MiB free, not a byte less (the script run against a torch double)", function () {
      if (spawnSync("python3", ["--version"]).status !== 0) this.skip();
      const script = (waitForGpuMemoryContainer(dra(), 0.5, 0).command as string[])[2]!;
      // torch.cuda.mem_get_info() → (free, total) from the environment, as the real one reads the device.
      const dir = mkdtempSync(join(tmpdir(), "torch-double-"));
      mkdirSync(join(dir, "torch"));
      writeFileSync(
        join(dir, "torch", "__init__.py"),
        "import os\nclass cuda:\n    @staticmethod\n    def mem_get_info():\n        return int(os.environ['FREE']), int(os.environ['TOTAL'])\n",
      );
      const total = 10 * 2 ** 30;
      const need = 0.5 * total + 512 * 2 ** 20;
      const run = (free: number) =>
        spawnSync("python3", ["-c", script], { env: { ...process.env, PYTHONPATH: dir, FREE: String(free), TOTAL: String(total) }, encoding: "utf8" });
      assert.equal(run(need).status, 0);
      const short = run(need - 1);
      assert.equal(short.status, 1);
      assert.match(short.stderr, /GPU memory still held: 5\.50 of 10\.00 GiB free, 0\.5 needed/);
    });
  });

  it("creates a KEDA-scheduled server's Deployment at 0 replicas (KEDA scales it), others at their replicas", () => {
    assert.equal((vllmDeploymentSpec(workload({ replicas: 2, externallyScaled: true })) as any).spec.replicas, 0);
    assert.equal((vllmDeploymentSpec(workload({ replicas: 2 })) as any).spec.replicas, 2);
  });

  describe("the pod (#15, #21)", () => {
    it("runs as UID 1000 with USER and LOGNAME set: the image has no passwd entry and torch calls getpass.getuser() at import", () => {
      const pod = podOf();
      assert.equal(pod.securityContext.runAsUser, 1000);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      const env = envOf();
      assert.equal(env.USER, "vllm");
      assert.equal(env.LOGNAME, "vllm");
    });

    it("has a read-only root filesystem and puts every path vLLM, torch, Triton and CUDA write on a writable emptyDir", () => {
      const pod = podOf();
      const container = pod.containers[0];
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      const emptyDirs = new Set(pod.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name));
      const writable = container.volumeMounts.filter((m: any) => emptyDirs.has(m.name) && !m.readOnly).map((m: any) => m.mountPath as string);
      const under = (path: string) => writable.some((root: string) => path === root || path.startsWith(`${root}/`));
      const env = envOf();
      for (const key of [
        "HOME",
        "TMPDIR",
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "VLLM_CACHE_ROOT",
        "VLLM_CONFIG_ROOT",
        "TORCHINDUCTOR_CACHE_DIR",
        "TRITON_CACHE_DIR",
        "NUMBA_CACHE_DIR",
        "OUTLINES_CACHE_DIR",
        "CUDA_CACHE_PATH",
        "HF_MODULES_CACHE",
      ]) {
        assert.ok(env[key], `${key} is set`);
        assert.ok(under(env[key]!), `${key}=${env[key]} is on a writable emptyDir (${writable.join(", ")})`);
      }
      // vLLM's IPC sockets and weight locks use tempfile.gettempdir(); the engine needs shared memory.
      assert.ok(under("/tmp") && under("/dev/shm"));
      assert.ok(under(container.workingDir));
    });

    it("mounts the model cache read-only and runs offline, with no Hugging Face token", () => {
      const pod = podOf();
      const container = pod.containers[0];
      const cacheVolume = pod.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === "base-models");
      assert.equal(cacheVolume.persistentVolumeClaim.readOnly, true);
      const mount = container.volumeMounts.find((m: any) => m.name === cacheVolume.name);
      assert.equal(mount.readOnly, true);
      const env = envOf();
      assert.equal(env.HF_HUB_OFFLINE, "1");
      assert.ok(env.HF_HOME!.startsWith(`${mount.mountPath}/`), "HF_HOME is on the model cache");
      assert.equal(
        container.env.some((e: any) => e.name === "HF_TOKEN" || e.valueFrom?.secretKeyRef),
        false,
      );
    });

    it("mounts each LoRA volume read-only at /adapters/<adapter>, and no volume for plain adapters", () => {
      const pod = podOf();
      const loras = pod.volumes.filter((v: any) => v.persistentVolumeClaim && v.persistentVolumeClaim.claimName !== "base-models");
      assert.deepEqual(
        loras.map((v: any) => v.persistentVolumeClaim),
        [{ claimName: "vllm-llm-lora-code", readOnly: true }],
      );
      const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === loras[0].name);
      assert.deepEqual([mount.mountPath, mount.readOnly], ["/adapters/code", true]);
      assert.equal(podOf(workload({ loraVolumes: [] })).volumes.filter((v: any) => v.persistentVolumeClaim).length, 1);
    });

    it("mounts no service-account token and takes no service-link env (a Service named vllm would set VLLM_PORT)", () => {
      assert.equal(podOf().automountServiceAccountToken, false);
      assert.equal(podOf().enableServiceLinks, false);
    });

    it("cannot deadlock on GPUs and gives a first load its whole startup window", () => {
      const spec = vllmDeploymentSpec(workload()) as any;
      assert.equal(spec.metadata.name, "vllm-llm");
      assert.deepEqual(spec.spec.strategy, { type: "Recreate" });
      const container = spec.spec.template.spec.containers[0];
      assert.deepEqual(container.resources.limits, { cpu: "16", memory: "32Gi", "nvidia.com/gpu": "1" });
      assert.equal(container.startupProbe.httpGet.path, "/health");
      assert.equal(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold, 1800);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(spec.spec.template.spec.nodeSelector, { "nvidia.com/gpu.present": "true" });
      assert.deepEqual(spec.spec.template.spec.volumes.find((v: any) => v.name === "dshm").emptyDir, { medium: "Memory", sizeLimit: "2Gi" });
    });

    it("keeps the Deployment's progress deadline past the startup window, so the controller does not call a loading model failed", () => {
      const spec = vllmDeploymentSpec(workload()) as any;
      const probe = spec.spec.template.spec.containers[0].startupProbe;
      assert.ok(spec.spec.progressDeadlineSeconds > probe.periodSeconds * probe.failureThreshold);
      assert.equal(spec.spec.progressDeadlineSeconds, 1800 + 900);
    });
  });

  describe("timeouts (#13 item 5)", () => {
    it("waits the startup window plus a margin for pulling the image and scheduling", () => {
      assert.equal(startupWindowSeconds(1800), 1800);
      assert.equal(startupWindowSeconds(1801), 1810);
      assert.equal(vllmAwaitSeconds(1800), 2700);
      assert.equal(vllmAwaitSeconds(600, 60), 660);
      assert.equal(minutes(2700), "45m");
      assert.equal(minutes(2701), "46m");
    });
  });

  it("validates against the Kubernetes OpenAPI schema", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const { Service } = await import("kubernetes-models/v1/Service");
    new Deployment(vllmDeploymentSpec(workload()) as any).validate();
    new Service(vllmServiceSpec(workload()) as any).validate();
    const broken = vllmDeploymentSpec(workload()) as any;
    broken.spec.template.spec.containers[0].ports[0].containerPort = "8000";
    assert.throws(() => new Deployment(broken).validate());
  });

  it("gives the in-cluster base URL of the Service", () => {
    assert.equal(vllmBaseUrl("llm", "llm-inference"), "http://vllm-llm.llm-inference.svc.cluster.local:8000/v1");
  });
});
