import { strict as assert } from "node:assert";
import { WORKLOAD_KINDS, isDigestPinned, podSpecIn } from "@llm-platform/kube";

const POD = { containers: [{ name: "c", image: "busybox" }] };
const template = { template: { spec: POD } };

describe("workload shapes: where each kind keeps its pod spec", () => {
  it("finds the pod spec of every workload kind at its own path", () => {
    assert.equal(podSpecIn("kubernetes:apps/v1:Deployment", { spec: template }), POD);
    assert.equal(podSpecIn("kubernetes:apps/v1:StatefulSet", { spec: template }), POD);
    assert.equal(podSpecIn("kubernetes:apps/v1:DaemonSet", { spec: template }), POD);
    assert.equal(podSpecIn("kubernetes:batch/v1:Job", { spec: template }), POD);
    assert.equal(podSpecIn("kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: template } } }), POD);
    assert.equal(podSpecIn("kubernetes:core/v1:Pod", { spec: POD }), POD);
    assert.deepEqual(
      Object.values(WORKLOAD_KINDS).map((k) => k.kind),
      ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"],
    );
  });

  it("does not read a CronJob's spec as a Job's (the paths differ)", () => {
    assert.equal(podSpecIn("kubernetes:batch/v1:CronJob", { spec: template }), undefined);
    assert.equal(podSpecIn("kubernetes:core/v1:Pod", { spec: template })!.template, template.template);
  });

  it("returns undefined for other types, missing props and incomplete specs, without throwing", () => {
    assert.equal(podSpecIn("kubernetes:core/v1:Service", { spec: template }), undefined);
    assert.equal(podSpecIn("kubernetes:apps/v1:Deployment", undefined), undefined);
    assert.equal(podSpecIn("kubernetes:apps/v1:Deployment", {}), undefined);
    assert.equal(podSpecIn("kubernetes:apps/v1:Deployment", { spec: {} }), undefined);
    assert.equal(podSpecIn("kubernetes:apps/v1:Deployment", { spec: { template: {} } }), undefined);
    assert.equal(podSpecIn("kubernetes:batch/v1:CronJob", { spec: { jobTemplate: {} } }), undefined);
  });
});

describe("digest-pinned image references", () => {
  const digest = "0123456789abcdef".repeat(4);

  it("accepts repo@sha256:<64 hex> with or without a tag", () => {
    assert.equal(digest.length, 64);
    assert.equal(isDigestPinned(`vllm/vllm-openai@sha256:${digest}`), true);
    assert.equal(isDigestPinned(`vllm/vllm-openai:v0.19.0@sha256:${digest}`), true);
  });

  it("refuses tags only, short or long digests, upper-case hex, other algorithms and trailing text", () => {
    assert.equal(isDigestPinned("vllm/vllm-openai:v0.19.0"), false);
    assert.equal(isDigestPinned(`vllm/vllm-openai@sha256:${digest.slice(1)}`), false);
    assert.equal(isDigestPinned(`vllm/vllm-openai@sha256:${digest}0`), false);
    assert.equal(isDigestPinned(`vllm/vllm-openai@sha256:${digest.toUpperCase()}`), false);
    assert.equal(isDigestPinned(`vllm/vllm-openai@sha512:${digest}`), false);
    assert.equal(isDigestPinned(`vllm/vllm-openai@sha256:${digest}:latest`), false);
    assert.equal(isDigestPinned(`vllm/vllm-openai@sha256:${digest.slice(0, 63)}g`), false);
    assert.equal(isDigestPinned(`vllm/vllm-openai:sha256:${digest}`), false, "a tag that looks like a digest");
  });
});
