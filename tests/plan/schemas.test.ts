import { strict as assert } from "node:assert";
import { kubernetesObject } from "../../plan/manifests";
import { validateObjects } from "../../plan/validate";
import { planStack } from "../fixtures/plans";

describe("every rendered object validates against its schema", () => {
  for (const stack of ["prod", "dev"]) {
    it(`${stack}`, async () => {
      const { resources } = await planStack(stack);
      const objects = resources.map(kubernetesObject).filter((o): o is Record<string, any> => o !== undefined);
      assert.ok(objects.length > 0);
      assert.deepEqual(await validateObjects(objects), []);
    });
  }

  it("reports invalid objects and kinds without a schema", async () => {
    const problems = await validateObjects([
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two", selector: {}, template: {} } },
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
    ]);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!.message, /replicas/);
    assert.match(problems[1]!.message, /no schema known for example\.com\/v1 Widget/);
  });
});
