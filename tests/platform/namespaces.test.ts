import { strict as assert } from "node:assert";
import { planned } from "../plan/planned";

describe("data namespaces are protected and retained like the data (destroy cannot take the PVCs with them)", function () {
  this.timeout(120_000);
  const namespaces = (resources: { type: string; props: any; opts?: { protect?: boolean; retainOnDelete?: boolean } }[]) =>
    Object.fromEntries(
      resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .map((r) => [r.props.metadata.name as string, [r.opts?.protect ?? false, r.opts?.retainOnDelete ?? false] as [boolean, boolean]]),
    );

  it("prod: every namespace holding a PVC with data is protected and retained, and no other", async () => {
    const { resources } = await planned("prod");
    // Derived from the plan: the namespaces of the PVCs whose backup tier is not "none".
    const withData = new Set(
      resources
        .filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && r.props.metadata.labels?.["backup-tier"] !== "none")
        .map((r) => r.props.metadata.namespace),
    );
    assert.deepEqual([...withData].sort(), ["llm-data", "llm-gateway", "llm-inference"]);
    for (const [name, keep] of Object.entries(namespaces(resources))) {
      assert.deepEqual(keep, withData.has(name) ? [true, true] : [false, false], name);
    }
  });

  it("dev (protectStatefulData false): none", async () => {
    const { resources } = await planned("dev");
    assert.ok(Object.values(namespaces(resources)).every(([p, r]) => !p && !r));
  });
});
