import { strict as assert } from "node:assert";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { parsePlatformConfig } from "../../config/load";
import { imageSettings, lookupDigest, main, MANIFEST_TYPES, parseImageReference } from "../../scripts/pin-digests";
import { sha256, startRegistryDouble, type RegistryDouble } from "../fixtures/registryDouble";
import { fixtureStackFile, PROJECT_ROOT, stackConfig } from "../fixtures/stacks";

/** The images the prod fixture runs (its own keys plus the schema's defaults), as the registry double serves them. */
const PROD_IMAGES: Record<string, string> = {
  "images.vllm": "vllm/vllm-openai:v0.19.0",
  "images.curl": "curlimages/curl:8.16.0",
  "gateway.image": "ghcr.io/berriai/litellm:v1.93.1",
  "gateway.postgres.image": "postgres:17.6",
  "gateway.redis.image": "redis:7.4.6",
  "qdrant.image": "qdrant/qdrant:v1.15.4-unprivileged",
};
/** Each image's manifest as the double's repository:tag key: Docker Hub official images live under library/. */
const MANIFESTS: Record<string, string> = {
  "vllm/vllm-openai:v0.19.0": '{"manifests":["vllm"]}',
  "curlimages/curl:8.16.0": '{"manifests":["curl"]}',
  "berriai/litellm:v1.93.1": '{"manifests":["litellm"]}',
  "library/postgres:17.6": '{"manifests":["postgres"]}',
  "library/redis:7.4.6": '{"manifests":["redis"]}',
  "qdrant/qdrant:v1.15.4-unprivileged": '{"manifests":["qdrant"]}',
};
const CONFIG_OF: Record<string, string> = {
  "images.vllm": "vllm/vllm-openai:v0.19.0",
  "images.curl": "curlimages/curl:8.16.0",
  "gateway.image": "berriai/litellm:v1.93.1",
  "gateway.postgres.image": "library/postgres:17.6",
  "gateway.redis.image": "library/redis:7.4.6",
  "qdrant.image": "qdrant/qdrant:v1.15.4-unprivileged",
};

describe("pin-digests", () => {
  describe("image references (Docker's rules)", () => {
    const cases: [string, ReturnType<typeof parseImageReference>][] = [
      ["postgres:17.6", { registry: "docker.io", repository: "library/postgres", tag: "17.6" }],
      ["vllm/vllm-openai:v0.19.0", { registry: "docker.io", repository: "vllm/vllm-openai", tag: "v0.19.0" }],
      ["ghcr.io/berriai/litellm:v1.77.7-stable", { registry: "ghcr.io", repository: "berriai/litellm", tag: "v1.77.7-stable" }],
      ["localhost:5000/app:1", { registry: "localhost:5000", repository: "app", tag: "1" }],
      ["localhost/team/app:1", { registry: "localhost", repository: "team/app", tag: "1" }],
      [`redis:7.4.6@sha256:${"a".repeat(64)}`, { registry: "docker.io", repository: "library/redis", tag: "7.4.6", digest: `sha256:${"a".repeat(64)}` }],
    ];
    for (const [ref, expected] of cases) it(ref, () => assert.deepEqual(parseImageReference(ref), expected));
    it("refuses an image without a tag", () => assert.throws(() => parseImageReference("ghcr.io/berriai/litellm"), /has no tag to resolve/));
  });

  it("finds every image key of the validated config, defaults included", () => {
    const prod = imageSettings(parsePlatformConfig(stackConfig("prod")) as unknown as Record<string, unknown>);
    assert.deepEqual(Object.fromEntries(prod.map((s) => [s.path.join("."), s.image])), PROD_IMAGES);
    const dev = imageSettings(parsePlatformConfig(stackConfig("dev")) as unknown as Record<string, unknown>);
    assert.equal(dev.find((s) => s.path.join(".") === "workstation.image")?.image, "vllm/vllm-openai:v0.19.0");
  });

  describe("against a registry double", () => {
    let registry: RegistryDouble;
    let dir: string;
    let stackFile: string;
    const endpointArgs = () => ["--endpoint", `docker.io=${registry.url}`, "--endpoint", `ghcr.io=${registry.url}`];
    const run = async (...args: string[]) => {
      let output = "";
      const code = await main(args, (s) => (output += s), PROJECT_ROOT);
      return { code, output };
    };

    beforeEach(async () => {
      registry = await startRegistryDouble(MANIFESTS);
      dir = mkdtempSync(join(tmpdir(), "pin-digests-"));
      stackFile = join(dir, "Pulumi.prod.yaml");
      copyFileSync(fixtureStackFile("prod"), stackFile);
    });
    afterEach(async () => {
      await registry.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("takes the digest from Docker-Content-Digest of a HEAD, after the anonymous token flow", async () => {
      const digest = await lookupDigest("postgres:17.6", { endpoint: () => registry.url });
      assert.equal(digest, sha256('{"manifests":["postgres"]}'));
      assert.deepEqual(registry.calls, ["HEAD /v2/library/postgres/manifests/17.6", "GET /token", "HEAD /v2/library/postgres/manifests/17.6"]);
      for (const type of MANIFEST_TYPES) assert.ok(registry.accepts[1]!.includes(type), type);
    });

    it("hashes the manifest a GET returns when the registry sends no digest header", async () => {
      registry.withoutDigestHeader.add("library/redis");
      assert.equal(await lookupDigest("redis:7.4.6", { endpoint: () => registry.url }), sha256('{"manifests":["redis"]}'));
      assert.equal(registry.calls.at(-1), "GET /v2/library/redis/manifests/7.4.6");
    });

    it("names the image and the tag a registry does not have", async () => {
      await assert.rejects(
        lookupDigest("redis:0.0.0", { endpoint: () => registry.url }),
        /^Error: redis:0\.0\.0: no tag 0\.0\.0 in docker\.io\/library\/redis \(404 from /,
      );
    });

    it("writes every image as repo:tag@digest with images.pinning digest, keeping comments, and --check then holds", async () => {
      const before = await run("--config", stackFile, "--check");
      assert.equal(before.code, 1);
      assert.match(
        before.output,
        /images\.pinning is "resolve"; pinned by tag: llm-platform:images\.vllm, .*llm-platform:qdrant\.image\. Deploys take reviewed digests/,
      );

      const { code, output } = await run("--config", stackFile, "--write", ...endpointArgs());
      assert.equal(code, 0, output);
      const text = readFileSync(stackFile, "utf8");
      const original = readFileSync(fixtureStackFile("prod"), "utf8");
      // Only the pinning mode, its comment and the image keys change; every other line stays as written.
      for (const line of original.split("\n").filter((l) => !/pinning: resolve|# Tags here/.test(l))) assert.ok(text.includes(line), line);
      const config = parse(text).config as Record<string, any>;
      assert.equal(config["llm-platform:images"].pinning, "digest");
      const written: Record<string, string> = {
        "images.vllm": config["llm-platform:images"].vllm,
        "images.curl": config["llm-platform:images"].curl,
        "gateway.image": config["llm-platform:gateway"].image,
        "gateway.postgres.image": config["llm-platform:gateway"].postgres.image,
        "gateway.redis.image": config["llm-platform:gateway"].redis.image,
        "qdrant.image": config["llm-platform:qdrant"].image,
      };
      for (const [path, image] of Object.entries(PROD_IMAGES)) assert.equal(written[path], `${image}@${sha256(MANIFESTS[CONFIG_OF[path]!]!)}`, path);
      assert.equal(config["llm-platform:qdrant"].snapshotStorage, "20Gi", "other keys of a touched section stay");
      assert.match(output, /wrote 6 digests and images\.pinning: digest/);
      assert.deepEqual(await run("--config", stackFile, "--check"), {
        code: 0,
        output: `${stackFile}: all 6 images pinned by reviewed digests (images.pinning: digest)\n`,
      });
    });

    it("looks tags up again on the next run and writes the digest a moved tag points at", async () => {
      await run("--config", stackFile, "--write", ...endpointArgs());
      registry.manifests.set("library/postgres:17.6", '{"manifests":["postgres-rebuilt"]}');
      const { output } = await run("--config", stackFile, "--write", ...endpointArgs());
      assert.match(output, new RegExp(`llm-platform:gateway\\.postgres\\.image  postgres:17\\.6@${sha256('{"manifests":["postgres-rebuilt"]}')}\\n`));
      assert.match(output, /llm-platform:gateway\.redis\.image {2}redis:7\.4\.6@sha256:[a-f0-9]{64} {2}\(unchanged\)/);
      assert.equal(
        parse(readFileSync(stackFile, "utf8")).config["llm-platform:gateway"].postgres.image,
        `postgres:17.6@${sha256('{"manifests":["postgres-rebuilt"]}')}`,
      );
    });

    it("writes nothing when one lookup fails, naming the key", async () => {
      registry.manifests.delete("library/redis:7.4.6");
      const original = readFileSync(stackFile, "utf8");
      const { code, output } = await run("--config", stackFile, "--write", ...endpointArgs());
      assert.equal(code, 1);
      assert.match(output, /1 lookup\(s\) failed, nothing written:\n {2}- llm-platform:gateway\.redis\.image: redis:7\.4\.6: no tag 7\.4\.6/);
      assert.equal(readFileSync(stackFile, "utf8"), original);
    });
  });

  it("refuses --check together with --write, and unknown arguments", async () => {
    let output = "";
    assert.equal(await main(["--stack", "prod", "--check", "--write"], (s) => (output += s), PROJECT_ROOT), 2);
    assert.match(output, /--check is read-only; drop --write/);
    assert.equal(await main(["--stack", "prod", "--endpoint", "docker.io"], () => undefined, PROJECT_ROOT), 2);
  });
});
