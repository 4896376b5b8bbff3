import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { ModelCache } from "../../components";
import {
  DEFAULT_DOWNLOAD_EXCLUDE,
  DOWNLOAD_SCRIPT,
  downloadJobEnv,
  downloadJobName,
  downloadJobSpec,
  hfRepoFolder,
  type DownloadJobSpec,
} from "../../components/specs/modelCache";
import { hasCurl } from "../fixtures/httpDouble";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";

const JOB = "kubernetes:batch/v1:Job";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const TOKEN = "llm-platform:index:ModelCache";
const LLAMA = { id: "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", revision: "db1f81ad4b8c7e39777509fac66c652eb0a52f91" };

function jobSpec(overrides: Partial<DownloadJobSpec> = {}): DownloadJobSpec {
  return {
    cache: "base-models",
    namespace: "llm-inference",
    image: "curlimages/curl:8.16.0",
    model: LLAMA,
    claimName: "base-models",
    endpoint: "https://huggingface.co",
    exclude: "original/*",
    timeoutSeconds: 3600,
    ...overrides,
  };
}

describe("ModelCache", () => {
  describe("download Jobs", () => {
    it("names each Job by model id and revision, within the 63 characters of the job-name label", () => {
      const name = downloadJobName("base-models", LLAMA);
      assert.ok(name.length <= 63, name);
      assert.match(name, /^base-models-hugging-quants-meta-llama/);
      assert.notEqual(downloadJobName("base-models", { ...LLAMA, revision: "0".repeat(40) }), name, "a new revision is a new Job");
      assert.equal(downloadJobName("base-models", { ...LLAMA }), name, "the same revision keeps its Job");
      assert.notEqual(downloadJobName("base-models", { id: LLAMA.id }), name);
      assert.ok(downloadJobName("a-very-long-model-cache-name-that-leaves-little-room-for-the-slug", LLAMA).length <= 63);
    });

    it("recovers: replaced when unready on the next up, never dropped from state by a TTL (#22 item 5)", () => {
      const job = downloadJobSpec(jobSpec()) as any;
      assert.equal(job.metadata.annotations["pulumi.com/replaceUnready"], "true");
      assert.equal(job.spec.ttlSecondsAfterFinished, undefined);
      assert.equal(job.spec.activeDeadlineSeconds, 3600);
      assert.equal(job.metadata.annotations["llm-platform.io/model-revision"], LLAMA.revision);
    });

    it("writes the cache read-write as UID 1000 with a read-only root and no service-account token", () => {
      const pod = (downloadJobSpec(jobSpec()) as any).spec.template.spec;
      assert.equal(pod.securityContext.runAsUser, 1000);
      assert.equal(pod.automountServiceAccountToken, false);
      const container = pod.containers[0];
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(container.command.slice(0, 2), ["sh", "-c"]);
      const cache = container.volumeMounts.find((m: any) => m.mountPath === "/models");
      assert.notEqual(cache.readOnly, true);
      assert.deepEqual(pod.volumes.find((v: any) => v.name === cache.name).persistentVolumeClaim, { claimName: "base-models" });
    });

    it("reads the token only where it is used: optional for public models, required for gated ones", () => {
      const token = { name: "huggingface-token", key: "token" };
      const ref = (gated: boolean) =>
        downloadJobEnv(jobSpec({ hfTokenSecret: token, model: { ...LLAMA, gated } })).find((e) => e.name === "HF_TOKEN")!.valueFrom as any;
      assert.deepEqual(ref(false).secretKeyRef, { ...token, optional: true });
      assert.deepEqual(ref(true).secretKeyRef, { ...token, optional: false });
      assert.equal(
        downloadJobEnv(jobSpec()).some((e) => e.name === "HF_TOKEN"),
        false,
        "no Secret, no token env",
      );
      assert.throws(
        () => downloadJobEnv(jobSpec({ model: { ...LLAMA, gated: true } })),
        /model hugging-quants\/Meta-Llama-3\.1-8B-Instruct-AWQ-INT4 is gated: its download needs a Hugging Face token Secret/,
      );
    });

    it("validates against the Kubernetes OpenAPI schema", async () => {
      const { Job } = await import("kubernetes-models/batch/v1/Job");
      new Job(downloadJobSpec(jobSpec({ hfTokenSecret: { name: "t", key: "token" } })) as any).validate();
    });
  });

  describe("component", () => {
    let rendering: Rendering;
    let outputs: Record<string, unknown>;
    before(async () => {
      rendering = await renderComponents(() => {
        const cache = new ModelCache("base-models", {
          namespace: "llm-inference",
          image: "curlimages/curl:8.16.0",
          // The same revision twice (two aliases of one model) is one download.
          models: [LLAMA, { id: "BAAI/bge-m3", revision: "5617a9f61b028005a4858fdac845db406aefb181" }, { ...LLAMA }],
          volume: { size: "50Gi", storageClass: "nfs-rwx", labels: { "backup-tier": "gfs" } },
          protect: true,
          retainOnDelete: true,
          downloadTimeoutSeconds: 7200,
          overrides: { downloadJob: { spec: { backoffLimit: 6 } } },
        });
        new ModelCache("scratch", { namespace: "llm-inference", image: "curlimages/curl:8.16.0", models: [LLAMA], volume: { size: "50Gi" } });
        // Whatever mounts the claim (a server) reads it through the output.
        new k8s.core.v1.ConfigMap("consumer", { metadata: { namespace: "llm-inference" }, data: { claim: cache.claimName } });
        return cache;
      });
      const cache = (rendering as unknown as { result: ModelCache }).result;
      outputs = {
        claimName: await valueOf(cache.claimName),
        hfHomeSubPath: await valueOf(cache.hfHomeSubPath),
        models: await valueOf(cache.models),
        downloadJobNames: await valueOf(cache.downloadJobNames),
      };
    });

    it("keeps its volume's name (the component's) and adopts the volume an earlier version declared at the stack root", () => {
      const claim = rendering.get(PVC, "base-models");
      assert.equal(claim.parent, `urn:pulumi:test::llm-platform::${TOKEN}::base-models`);
      assert.equal(unwrap(claim.inputs).metadata.name, "base-models");
      assert.ok(claim.aliases.includes("base-models"), claim.aliases.join(", "));
      assert.deepEqual(unwrap(claim.inputs).spec.accessModes, ["ReadWriteMany"]);
      assert.equal(unwrap(claim.inputs).metadata.labels["backup-tier"], "gfs");
    });

    it("protects and retains the volume only when asked", () => {
      assert.deepEqual([rendering.get(PVC, "base-models").protect, rendering.get(PVC, "base-models").retainOnDelete], [true, true]);
      assert.deepEqual([rendering.get(PVC, "scratch").protect, rendering.get(PVC, "scratch").retainOnDelete], [false, false]);
    });

    it("downloads each model revision once, after the volume exists, awaited for its whole deadline", () => {
      const jobs = rendering.ofType(JOB).filter((j) => j.parent?.endsWith("::base-models"));
      assert.equal(jobs.length, 2);
      const claim = rendering.get(PVC, "base-models");
      for (const job of jobs) {
        assert.ok(job.dependencies.includes(claim.urn), `${job.name} waits for the volume`);
        // 7200 s of deadline + 600 s to schedule and pull = 130 minutes; the provider's default would be 10.
        assert.deepEqual(job.customTimeouts, { create: "130m", update: "130m", delete: undefined });
        assert.equal(unwrap(job.inputs).spec.backoffLimit, 6, "the override is merged");
      }
    });

    it("makes whatever mounts the claim wait for every download", () => {
      const jobs = rendering
        .ofType(JOB)
        .filter((j) => j.parent?.endsWith("::base-models"))
        .map((j) => j.urn);
      const consumer = rendering.get("kubernetes:core/v1:ConfigMap", "consumer");
      for (const job of jobs) assert.ok(consumer.dependencies.includes(job), job);
      assert.equal(
        consumer.dependencies.some((d) => d.includes("::scratch")),
        false,
        "only its own cache's Jobs",
      );
    });

    it("exposes the claim, the cache layout and what it holds", () => {
      assert.deepEqual(outputs, {
        claimName: "base-models",
        hfHomeSubPath: "huggingface",
        models: [`${LLAMA.id}@${LLAMA.revision}`, "BAAI/bge-m3@5617a9f61b028005a4858fdac845db406aefb181"],
        downloadJobNames: [
          downloadJobName("base-models", LLAMA),
          downloadJobName("base-models", { id: "BAAI/bge-m3", revision: "5617a9f61b028005a4858fdac845db406aefb181" }),
        ],
      });
    });

    it("lets two caches coexist in one namespace", () => {
      const names = kubernetesNames(rendering.resources.filter((r) => r.name !== "consumer"));
      assert.equal(names.length, 5);
      assert.equal(new Set(names).size, names.length, names.join(", "));
    });

    it("refuses a gated model without a token Secret", async () => {
      await assert.rejects(
        renderComponents(() => new ModelCache("c", { namespace: "n", image: "curl", models: [{ ...LLAMA, gated: true }], volume: { size: "1Gi" } })),
        /ModelCache c: gated model\(s\) hugging-quants\/Meta-Llama-3\.1-8B-Instruct-AWQ-INT4 need hfTokenSecret/,
      );
    });
  });

  describe("the download script, run with sh and curl against a double of the Hub", function () {
    const SHA = "c0ffee".padEnd(40, "0");
    const files: Record<string, Buffer> = {
      "config.json": Buffer.from('{"architectures":["LlamaForCausalLM"]}'),
      "model.safetensors": Buffer.alloc(200_000, 7),
      "1_Pooling/config.json": Buffer.from("{}"),
      "original/consolidated.00.pth": Buffer.from("duplicate weights"),
    };
    const lfs = new Set(["model.safetensors"]);
    let server: Server;
    let endpoint: string;
    let calls: string[];
    let serve: { corrupt?: string; requireToken?: boolean; truncate?: string };

    const siblings = () =>
      Object.entries(files).map(([name, body]) => {
        const entry: Record<string, unknown> = { rfilename: name, blobId: "b".repeat(40), size: body.length };
        if (lfs.has(name)) entry.lfs = { sha256: createHash("sha256").update(body).digest("hex"), size: body.length, pointerSize: 134 };
        return entry;
      });

    before(async function () {
      if (!hasCurl()) this.skip();
      server = createServer((req, res) => {
        const url = new URL(req.url!, "http://hub");
        calls.push(`${req.method} ${url.pathname}${req.headers.range ? ` ${req.headers.range}` : ""}${req.headers.authorization ? " auth" : ""}`);
        if (serve.requireToken && req.headers.authorization !== "Bearer hf_test" && !url.pathname.startsWith("/cdn/")) {
          res.writeHead(401).end('{"error":"Access to model org/model is restricted"}');
          return;
        }
        const api = /^\/api\/models\/org\/model\/revision\/([^/]+)$/.exec(url.pathname);
        if (api) {
          const rev = decodeURIComponent(api[1]!);
          if (rev !== "main" && rev !== SHA) return void res.writeHead(404).end("{}");
          // The Hub's answer: top-level fields around a siblings list (keys with "size" elsewhere must not confuse it).
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ _id: "x", id: "org/model", sha: SHA, siblings: siblings(), spaces: [], safetensors: { total: 5, size: 1 } }));
          return;
        }
        const resolve = /^\/org\/model\/resolve\/([0-9a-f]{40})\/(.+)$/.exec(url.pathname);
        if (resolve) return void res.writeHead(302, { location: `/cdn/${resolve[2]}` }).end();
        const cdn = /^\/cdn\/(.+)$/.exec(url.pathname);
        const name = cdn ? decodeURIComponent(cdn[1]!) : undefined;
        if (name && files[name]) {
          let body = files[name]!;
          if (serve.corrupt === name) body = Buffer.alloc(body.length, 9);
          if (serve.truncate === name) body = body.subarray(0, body.length - 10);
          const range = /bytes=(\d+)-/.exec(String(req.headers.range ?? ""));
          if (range) {
            const start = Number(range[1]);
            res.writeHead(206, { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` }).end(body.subarray(start));
          } else res.writeHead(200).end(body);
          return;
        }
        res.writeHead(404).end("{}");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server?.close());
    beforeEach(() => {
      calls = [];
      serve = {};
    });

    function run(home: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
      mkdirSync(join(home, "tmp"), { recursive: true });
      return new Promise((resolve) => {
        execFile(
          "sh",
          ["-c", DOWNLOAD_SCRIPT],
          {
            env: {
              PATH: process.env.PATH!,
              MODEL_ID: "org/model",
              HF_HOME: home,
              HF_ENDPOINT: endpoint,
              TMPDIR: join(home, "tmp"),
              EXCLUDE: DEFAULT_DOWNLOAD_EXCLUDE.join(" "),
              ...env,
            },
          },
          (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
    }
    const fresh = () => mkdtempSync(join(tmpdir(), "model-cache-"));
    const snapshot = (home: string) => join(home, "hub", hfRepoFolder("org/model"), "snapshots", SHA);

    it("writes the Hugging Face cache layout vLLM reads offline: snapshots/<commit>/<files> and refs/<revision>", async () => {
      const home = fresh();
      const result = await run(home);
      assert.equal(result.code, 0, result.stderr);
      const snap = snapshot(home);
      assert.deepEqual(readFileSync(join(snap, "model.safetensors")), files["model.safetensors"]);
      assert.deepEqual(readFileSync(join(snap, "1_Pooling", "config.json")), files["1_Pooling/config.json"]);
      assert.equal(existsSync(join(snap, "original")), false, "Meta's duplicate original/ weights are excluded");
      assert.equal(readFileSync(join(home, "hub", "models--org--model", "refs", "main"), "utf8"), SHA);
      assert.equal(
        readdirSync(snap).some((f) => f.endsWith(".incomplete")),
        false,
      );
      assert.ok(calls.includes("GET /api/models/org/model/revision/main"));
      rmSync(home, { recursive: true, force: true });
    });

    it("writes no ref for a pinned commit, and refuses an answer for another commit", async () => {
      const home = fresh();
      const result = await run(home, { REVISION: SHA });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(existsSync(join(home, "hub", "models--org--model", "refs")), false);
      const other = await run(fresh(), { REVISION: "1".repeat(40) });
      assert.notEqual(other.code, 0);
      assert.match(other.stderr, /cannot read org\/model at revision 1{40}/);
    });

    it("resumes a partial file and skips finished ones, so a retried Job continues", async () => {
      const home = fresh();
      assert.equal((await run(home)).code, 0);
      const snap = snapshot(home);
      const full = readFileSync(join(snap, "model.safetensors"));
      rmSync(join(snap, "model.safetensors"));
      writeFileSync(join(snap, "model.safetensors.incomplete"), full.subarray(0, 50_000));
      calls = [];
      const result = await run(home);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(readFileSync(join(snap, "model.safetensors")), full);
      assert.ok(calls.includes("GET /cdn/model.safetensors bytes=50000-"), calls.join("\n"));
      assert.equal(calls.filter((c) => c.includes("config.json")).length, 0, "finished files are not fetched again");
    });

    it("refuses a file whose sha256 differs from the Hub's, leaving nothing vLLM would load", async () => {
      const home = fresh();
      serve.corrupt = "model.safetensors";
      const result = await run(home);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /model\.safetensors: sha256 differs from the Hub's/);
      assert.equal(existsSync(join(snapshot(home), "model.safetensors")), false);
      assert.equal(existsSync(join(snapshot(home), "model.safetensors.incomplete")), false);
    });

    it("refuses a short file", async () => {
      const home = fresh();
      serve.truncate = "config.json";
      const result = await run(home);
      assert.notEqual(result.code, 0);
      assert.match(
        result.stderr,
        new RegExp(`config\\.json: downloaded ${files["config.json"]!.length - 10} bytes, the Hub lists ${files["config.json"]!.length}`),
      );
    });

    it("sends the token of a gated model from a header file, and says what is wrong without one", async () => {
      serve.requireToken = true;
      const denied = await run(fresh());
      assert.notEqual(denied.code, 0);
      assert.match(denied.stderr, /a gated model needs a token with access/);
      const home = fresh();
      const allowed = await run(home, { HF_TOKEN: "hf_test" });
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.ok(calls.some((c) => c === "GET /api/models/org/model/revision/main auth"));
      // The header file is private to the pod's user.
      assert.equal(statSync(join(home, "tmp", "hf-headers")).mode & 0o077, 0);
    });

    it("fails when EXCLUDE leaves nothing to download", async () => {
      const result = await run(fresh(), { EXCLUDE: "*" });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /no files left to download for org\/model@c0ffee0+ after EXCLUDE/);
    });
  });
});
