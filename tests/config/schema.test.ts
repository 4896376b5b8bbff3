import { strict as assert } from "node:assert";
import { ConfigError, fromPulumiConfig, parsePlatformConfig } from "../../config/load";

import { pulumiConfigMap, stackConfig, variant } from "../fixtures/stacks";

function issuesOf(raw: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parsePlatformConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail("expected the config to be rejected");
}

function expectIssue(raw: Record<string, unknown>, path: string, message: RegExp): void {
  const issues = issuesOf(raw);
  const match = issues.find((i) => i.path === path);
  assert.ok(match, `no issue at ${path}; got ${JSON.stringify(issues)}`);
  assert.match(match.message, message);
}

describe("config schema", () => {
  const prod = stackConfig("prod");

  it("accepts the prod stack and applies defaults", () => {
    const config = parsePlatformConfig(prod);
    assert.equal(config.host.nodes["gpu-node"]!.gpus, 2);
    // Prod shares its cards with DRA: NVIDIA's driver installed at its pinned chart, whole GPUs by its DeviceClass.
    assert.deepEqual(config.gpuSharing, {
      mode: "dra",
      deviceClass: "gpu.nvidia.com",
      install: true,
      chartVersion: "0.4.1",
      nodeFeatureDiscovery: { install: true, chartVersion: "0.19.0" },
    });
    assert.deepEqual(config.servers.llm!.placement, ["gpu-node/gpu0"]);
    assert.deepEqual(config.modes, {});
    assert.deepEqual(config.keda, { install: true, chartVersion: "2.20.2", namespace: "keda", pollingIntervalSeconds: 30, cooldownPeriodSeconds: 60 });
    assert.equal(config.host.nodes["gpu-node"]!.gpuMemoryGiB, undefined, "the catalog's usable memory, no override");
    assert.equal(config.servers.llm!.rollout, "Recreate");
    assert.equal(config.servers.llm!.gpus, 1);
    assert.equal(config.namespaces.inference, "llm-inference");
    assert.equal(config.images.vllm, "vllm/vllm-openai:v0.19.0");
    assert.equal(config.storage.qdrant.backupTier, "gfs");
  });

  it("reads the flat map the Pulumi CLI passes", () => {
    const all = { ...pulumiConfigMap(prod), "kubernetes:context": "kind-dev" };
    assert.deepEqual(parsePlatformConfig(fromPulumiConfig(all)), parsePlatformConfig(prod));
  });

  it("rejects unknown top-level keys with the list of known ones", () => {
    expectIssue(
      variant(prod, (c) => (c.gpuSharring = {})),
      "llm-platform:gpuSharring",
      /unknown configuration key .*gpuSharing/,
    );
  });

  it("rejects unknown nested keys naming them", () => {
    expectIssue(
      variant(prod, (c) => (c.servers.llm.maxModelLength = 4096)),
      "llm-platform:servers.llm",
      /unknown key "maxModelLength"/,
    );
  });

  it("rejects wrong types", () => {
    expectIssue(
      variant(prod, (c) => (c.servers.llm.maxModelLen = "8k")),
      "llm-platform:servers.llm.maxModelLen",
      /whole number/,
    );
  });

  it("rejects fractional and negative GPU counts", () => {
    expectIssue(
      variant(prod, (c) => (c.servers.llm.gpus = 0.5)),
      "llm-platform:servers.llm.gpus",
      /whole number/,
    );
    expectIssue(
      variant(prod, (c) => (c.host.nodes["gpu-node"].gpus = -1)),
      "llm-platform:host.nodes.gpu-node.gpus",
      /0 or more/,
    );
  });

  for (const bad of [0, 1.2, -0.1]) {
    it(`rejects gpuMemoryUtilization ${bad}`, () => {
      expectIssue(
        variant(prod, (c) => (c.servers.llm.gpuMemoryUtilization = bad)),
        "llm-platform:servers.llm.gpuMemoryUtilization",
        /\(0, 1\]/,
      );
    });
  }

  it('rejects "16GB" and "500m" as memory quantities', () => {
    const issues = issuesOf(
      variant(prod, (c) => {
        c.servers.llm.resources.limits.memory = "16GB";
        c.servers.llm.resources.requests.memory = "500m";
      }),
    );
    const paths = issues.map((i) => i.path);
    assert.ok(paths.includes("llm-platform:servers.llm.resources.limits.memory"), paths.join());
    assert.ok(paths.includes("llm-platform:servers.llm.resources.requests.memory"), paths.join());
    assert.match(issues[0]!.message, /binary suffix/);
  });

  it("rejects names that are not DNS-1123 labels", () => {
    expectIssue(
      variant(prod, (c) => {
        c.adapters.Chat_Bot = c.adapters.chatbot;
        delete c.adapters.chatbot;
      }),
      "llm-platform:adapters.Chat_Bot",
      /not a DNS-1123 label/,
    );
  });

  it("rejects an adapter whose name is another server's", () => {
    expectIssue(
      variant(prod, (c) => (c.adapters.embedding = { server: "llm" })),
      "llm-platform:adapters.embedding",
      /name of another server/,
    );
  });

  it("rejects references to unknown servers and models", () => {
    expectIssue(
      variant(prod, (c) => (c.adapters.chatbot.server = "gpt")),
      "llm-platform:adapters.chatbot.server",
      /not a key of servers/,
    );
    expectIssue(
      variant(prod, (c) => (c.servers.llm.model = "llama")),
      "llm-platform:servers.llm.model",
      /not a key of models/,
    );
  });

  it("rejects models that are not in the capacity catalog", () => {
    expectIssue(
      variant(prod, (c) => (c.models["llama-8b-awq"].id = "acme/unknown-7b")),
      "llm-platform:models.llama-8b-awq.id",
      /not in the model catalog/,
    );
  });

  it("rejects a LoRA adapter on an embedding server", () => {
    expectIssue(
      variant(prod, (c) => (c.adapters.rag = { server: "embedding", lora: { source: "acme/rag-lora" } })),
      "llm-platform:adapters.rag.lora",
      /need a generate server/,
    );
  });

  describe("GPU products (the nvidia.com/gpu.product label selects the GPU catalog)", () => {
    it("requires the product of GPUs on nodes that have them, naming the label to read", () => {
      expectIssue(
        variant(prod, (c) => delete c.host.nodes["gpu-node"].gpuProduct),
        "llm-platform:host.nodes.gpu-node.gpuProduct",
        /^is required: node "gpu-node" has 2 GPU\(s\); give their nvidia\.com\/gpu\.product label \(kubectl get node gpu-node .*\), e\.g\. NVIDIA-GeForce-RTX-3080$/,
      );
      // A node without GPUs needs none.
      assert.doesNotThrow(() => parsePlatformConfig(variant(prod, (c) => (c.host.nodes.cpu = { gpus: 0, cpu: "8", memory: "32Gi" }))));
    });

    it("refuses a product the catalog does not know, listing the known labels", () => {
      expectIssue(
        variant(prod, (c) => (c.host.nodes["gpu-node"].gpuProduct = "NVIDIA-GeForce-RTX-2080")),
        "llm-platform:host.nodes.gpu-node.gpuProduct",
        /^"NVIDIA-GeForce-RTX-2080" is not in the GPU catalog \(capacity\/gpus\.ts\); known nvidia\.com\/gpu\.product values: .*NVIDIA-GeForce-RTX-3080/,
      );
    });

    it("takes gpuMemoryGiB as an optional override above 0", () => {
      assert.equal(parsePlatformConfig(variant(prod, (c) => (c.host.nodes["gpu-node"].gpuMemoryGiB = 9.5))).host.nodes["gpu-node"]!.gpuMemoryGiB, 9.5);
      expectIssue(
        variant(prod, (c) => (c.host.nodes["gpu-node"].gpuMemoryGiB = 0)),
        "llm-platform:host.nodes.gpu-node.gpuMemoryGiB",
        /more than 0 GiB/,
      );
    });
  });

  describe("placement (gpuSharing.mode dra)", () => {
    it("is required for every server under dra", () => {
      expectIssue(
        variant(prod, (c) => delete c.servers.reranker.placement),
        "llm-platform:servers.reranker.placement",
        /^is required with gpuSharing\.mode dra: list the 1 card\(s\) <node>\/gpu<index>/,
      );
    });

    it("is refused where the device plugin picks the card (time-slicing, MPS)", () => {
      for (const sharing of [
        { mode: "time-slicing", replicas: 4 },
        { mode: "mps", replicas: 2 },
      ]) {
        expectIssue(
          variant(prod, (c) => (c.gpuSharing = sharing)),
          "llm-platform:servers.llm.placement",
          new RegExp(`^pins cards, which ${sharing.mode} cannot do`),
        );
      }
    });

    it("names one existing card per GPU of the pod, each once, on one node", () => {
      expectIssue(
        variant(prod, (c) => (c.servers.llm.placement = ["gpu-node/gpu2"])),
        "llm-platform:servers.llm.placement",
        /^"gpu-node\/gpu2" is not a card of host\.nodes \(node "gpu-node" has 2 GPU\(s\): gpu-node\/gpu0, gpu-node\/gpu1\)/,
      );
      // gpu1 is the last card of a 2-GPU node: accepted.
      assert.doesNotThrow(() =>
        parsePlatformConfig(
          variant(
            prod,
            (c) => ((c.servers.llm.placement = ["gpu-node/gpu1"]), (c.servers.embedding.placement = c.servers.reranker.placement = ["gpu-node/gpu0"])),
          ),
        ),
      );
      expectIssue(
        variant(prod, (c) => (c.servers.llm.placement = ["gpu-node/gpu0", "gpu-node/gpu1"])),
        "llm-platform:servers.llm.placement",
        /^lists 2 card\(s\) but the server has gpus: 1; give one card per GPU$/,
      );
      expectIssue(
        variant(prod, (c) => ((c.servers.llm.gpus = 2), (c.servers.llm.placement = ["gpu-node/gpu0", "gpu-node/gpu0"]))),
        "llm-platform:servers.llm.placement",
        /^lists a card twice$/,
      );
      expectIssue(
        variant(prod, (c) => {
          c.host.nodes["gpu-node-2"] = { gpus: 1, gpuProduct: "NVIDIA-GeForce-RTX-3080", cpu: "16", memory: "64Gi" };
          c.servers.llm.gpus = 2;
          c.servers.llm.placement = ["gpu-node/gpu0", "gpu-node-2/gpu0"];
        }),
        "llm-platform:servers.llm.placement",
        /^spans nodes gpu-node, gpu-node-2: tensor parallelism runs on the cards of one node$/,
      );
      expectIssue(
        variant(prod, (c) => (c.servers.llm.placement = ["gpu0"])),
        "llm-platform:servers.llm.placement[0]",
        /^"gpu0" is not a card: use <node>\/gpu<index>/,
      );
    });
  });

  describe("serving modes", () => {
    const modes = (c: any) => {
      c.modes = {
        day: { schedule: { start: "0 6 * * *", end: "0 22 * * *", timezone: "Europe/Berlin" }, servers: ["llm"], fallback: "openai" },
      };
    };

    it("accepts a mode with a KEDA cron window, its servers and a fallback, with UTC as the default time zone", () => {
      const config = parsePlatformConfig(variant(prod, modes));
      assert.deepEqual(config.modes.day!.servers, ["llm"]);
      assert.equal(parsePlatformConfig(variant(prod, (c) => (modes(c), delete c.modes.day.schedule.timezone))).modes.day!.schedule.timezone, "UTC");
    });

    it("refuses a schedule KEDA's cron parser refuses, and a time zone that is not IANA's", () => {
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.schedule.start = "0 24 * * *"))),
        "llm-platform:modes.day.schedule.start",
        /hour 24 is outside 0–23/,
      );
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.schedule.end = "0 22 * *"))),
        "llm-platform:modes.day.schedule.end",
        /./,
      );
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.schedule.timezone = "Europe/Atlantis"))),
        "llm-platform:modes.day.schedule.timezone",
        /^"Europe\/Atlantis" is not an IANA time zone/,
      );
    });

    it("refuses a server that does not exist or is listed twice, and a mode without servers", () => {
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.servers = ["llm", "chat"]))),
        "llm-platform:modes.day.servers[1]",
        /^"chat" is not a key of servers \(have: llm, embedding, reranker\)$/,
      );
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.servers = ["llm", "llm"]))),
        "llm-platform:modes.day.servers",
        /^lists a server twice$/,
      );
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.servers = []))),
        "llm-platform:modes.day.servers",
        /needs at least one server/,
      );
    });

    it("requires a fallback for chat models only the mode serves, one that answers outside its window", () => {
      expectIssue(
        variant(prod, (c) => (modes(c), delete c.modes.day.fallback)),
        "llm-platform:modes.day.fallback",
        /^is required: llm run only in mode "day"/,
      );
      // A pooling server alone in a mode needs no chat fallback.
      assert.doesNotThrow(() => parsePlatformConfig(variant(prod, (c) => (modes(c), (c.modes.day.servers = ["reranker"]), delete c.modes.day.fallback))));
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.fallback = "gpt-9"))),
        "llm-platform:modes.day.fallback",
        /^"gpt-9" is neither an adapter, a server nor a configured provider$/,
      );
      expectIssue(
        variant(prod, (c) => (modes(c), (c.modes.day.fallback = "chatbot"))),
        "llm-platform:modes.day.fallback",
        /^"chatbot" is served by "llm", which runs only in this mode's window/,
      );
      // An always-on server is a fallback that answers outside the window.
      assert.doesNotThrow(() => parsePlatformConfig(variant(prod, (c) => (modes(c), (c.modes.day.fallback = "embedding")))));
    });
  });

  it("refuses a server task that is not its model's (the catalog's task)", () => {
    expectIssue(
      variant(prod, (c) => (c.servers.reranker.task = "embed")),
      "llm-platform:servers.reranker.task",
      /^is embed but BAAI\/bge-reranker-v2-m3 is a score model \(capacity\/catalog\): set task: score$/,
    );
  });

  it("requires missing top-level values", () => {
    expectIssue(
      variant(prod, (c) => delete c.host),
      "llm-platform:host",
      /required/,
    );
  });

  it("rejects unpinned images", () => {
    expectIssue(
      variant(prod, (c) => (c.images = { vllm: "vllm/vllm-openai:latest" })),
      "llm-platform:images.vllm",
      /pinned/,
    );
  });

  it("reports every problem at once", () => {
    const issues = issuesOf(
      variant(prod, (c) => {
        c.servers.llm.gpus = 1.5;
        c.gpuSharing.replicas = 0;
        c.storage.qdrant.size = "20GB";
      }),
    );
    assert.equal(issues.length, 3, JSON.stringify(issues));
  });

  it("formats the error with one line per key path", () => {
    try {
      parsePlatformConfig(variant(prod, (c) => (c.gpuSharing.mode = "mig")));
      assert.fail("expected ConfigError");
    } catch (error) {
      assert.match(String((error as Error).message), /invalid stack configuration \(1 problem\):\n {2}- llm-platform:gpuSharing\.mode: /);
    }
  });
});
