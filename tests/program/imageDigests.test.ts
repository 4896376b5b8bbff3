import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { parsePlatformConfig } from "../../config/load";
import { pinWorkloadImages, withDigest } from "../../platform/imageDigests";
import { evaluate, planStack, violationsOf, workloadImages, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

const LOOKUP = "docker:index/getRegistryImage:getRegistryImage";
const digestOf = (image: string) => `sha256:${createHash("sha256").update(image).digest("hex")}`;

const imagesOf = (plan: StackPlan) => workloadImages(plan).map((c) => c.image);

describe("image digests (images.pinning: resolve)", () => {
  describe("pinWorkloadImages", () => {
    const resolve = async (image: string) => `${image}@${digestOf(image)}`;

    it("pins init and app containers of a CronJob's pod template", async () => {
      const cron = {
        spec: {
          jobTemplate: {
            spec: {
              template: { spec: { initContainers: [{ name: "i", image: "busybox:1.37" }], containers: [{ name: "c", image: "curlimages/curl:8.16.0" }] } },
            },
          },
        },
      };
      const pinned = await pinWorkloadImages("kubernetes:batch/v1:CronJob", cron, resolve);
      const pod = pinned!.spec.jobTemplate.spec.template.spec;
      assert.equal(pod.initContainers[0].image, `busybox:1.37@${digestOf("busybox:1.37")}`);
      assert.equal(pod.containers[0].image, `curlimages/curl:8.16.0@${digestOf("curlimages/curl:8.16.0")}`);
      assert.equal(cron.spec.jobTemplate.spec.template.spec.containers[0]!.image, "curlimages/curl:8.16.0", "the original props are not changed");
    });

    it("leaves digests, non-workloads and unresolved images alone", async () => {
      const pinnedAlready = { spec: { template: { spec: { containers: [{ name: "c", image: `redis@${digestOf("redis")}` }] } } } };
      assert.equal(await pinWorkloadImages("kubernetes:apps/v1:Deployment", pinnedAlready, resolve), undefined);
      assert.equal(await pinWorkloadImages("kubernetes:core/v1:Service", { spec: {} }, resolve), undefined);
      const tagOnly = { spec: { template: { spec: { containers: [{ name: "c", image: "redis:7.4.6" }] } } } };
      assert.equal(await pinWorkloadImages("kubernetes:apps/v1:Deployment", tagOnly, async () => undefined), undefined);
    });

    it("accepts only a sha256 digest from the registry", () => {
      assert.equal(withDigest("redis:7.4.6", digestOf("x")), `redis:7.4.6@${digestOf("x")}`);
      assert.equal(withDigest("redis:7.4.6", undefined), undefined);
      assert.equal(withDigest("redis:7.4.6", "sha256:abc"), undefined);
    });
  });

  describe("the prod stack with resolve", () => {
    const raw = variant(stackConfig("prod"), (c) => (c.images = { ...c.images, pinning: "resolve" }));
    const looked: string[] = [];
    let plan: StackPlan;
    before(async () => {
      plan = await planStack("prod", raw, {
        [LOOKUP]: ({ name }) => {
          looked.push(name);
          return { name, sha256Digest: digestOf(name) };
        },
      });
    });

    it("is valid configuration with tags", () => {
      assert.equal(parsePlatformConfig(raw).images.pinning, "resolve");
    });

    it("runs every workload image at the digest its tag resolved to, looking each image up once", () => {
      const images = imagesOf(plan);
      assert.ok(images.length >= 9);
      for (const image of images) {
        const tagged = image.split("@")[0]!;
        assert.equal(image, `${tagged}@${digestOf(tagged)}`);
      }
      assert.deepEqual([...looked].sort(), [...new Set(images.map((i) => i.split("@")[0]!))].sort());
    });

    it("keeps names and version labels from the tag, and satisfies prod-image-digests", async () => {
      const litellm = plan.resources.find((r) => r.props.metadata?.name === "gateway-litellm" && r.type === "kubernetes:apps/v1:Deployment")!;
      assert.equal(litellm.props.metadata.labels["app.kubernetes.io/version"], "v1.93.1");
      assert.ok(plan.resources.some((r) => r.props.metadata?.name === "gateway-litellm-migrate-v1-93-1"));
      assert.deepEqual(violationsOf(await evaluate(plan), "prod-image-digests"), []);
    });

    it("looks digests up through a Docker provider that needs no daemon", () => {
      const provider = plan.resources.find((r) => r.type === "pulumi:providers:docker" && r.name === "registry-lookups")!;
      assert.equal(provider.props.disableDockerDaemonCheck, "true");
    });
  });

  it("keeps tags when no registry answers (the offline plan), so the plan still fits", async () => {
    const plan = await planStack(
      "prod",
      variant(stackConfig("prod"), (c) => (c.images = { ...c.images, pinning: "resolve" })),
    );
    assert.ok(imagesOf(plan).every((i) => !i.includes("@sha256:")));
    assert.deepEqual(
      (await evaluate(plan)).filter((v) => v.level === "mandatory"),
      [],
    );
  });
});
