import { strict as assert } from "node:assert";
import { snapshotScript } from "../../components/specs/qdrant";
import { hasCurl, runShell, startDouble } from "../fixtures/httpDouble";
import { planStack, type StackPlan } from "../fixtures/plans";

describe("QdrantStore", () => {
  let prod: StackPlan;
  before(async () => {
    prod = await planStack("prod");
  });
  const find = (type: string, name: string) => prod.resources.find((r) => r.type === type && r.props.metadata?.name === name)!;

  it("keeps vectors on a protected 20Gi RWO GFS volume and snapshots on a daily one", () => {
    const storage = find("kubernetes:core/v1:PersistentVolumeClaim", "qdrant-storage");
    assert.deepEqual(storage.props.spec.accessModes, ["ReadWriteOnce"]);
    assert.equal(storage.props.spec.resources.requests.storage, "20Gi");
    assert.equal(storage.props.metadata.labels["backup-tier"], "gfs");
    assert.equal(storage.opts?.protect, true);
    assert.equal(storage.opts?.retainOnDelete, true);
    assert.equal(find("kubernetes:core/v1:PersistentVolumeClaim", "qdrant-snapshots").props.metadata.labels["backup-tier"], "daily");
  });

  it("runs restricted with API keys from a Secret and health probes", () => {
    const sts = find("kubernetes:apps/v1:StatefulSet", "qdrant").props;
    const c = sts.spec.template.spec.containers[0];
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    assert.equal(c.livenessProbe.httpGet.path, "/livez");
    assert.deepEqual(c.env[1], { name: "QDRANT__SERVICE__READ_ONLY_API_KEY", valueFrom: { secretKeyRef: { name: "qdrant-api-keys", key: "read-only-api-key" } } });
    assert.equal(sts.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.equal(sts.spec.persistentVolumeClaimRetentionPolicy.whenDeleted, "Retain");
    assert.ok(find("kubernetes:policy/v1:PodDisruptionBudget", "qdrant"));
  });

  it("declares the RAG collection with the embedding model's vector size", () => {
    const job = find("kubernetes:batch/v1:Job", "qdrant-collection-rag-1024").props;
    assert.match(job.spec.template.spec.containers[0].command[2], /"vectors":\{"size":1024,"distance":"Cosine"\}/);
    const cron = find("kubernetes:batch/v1:CronJob", "qdrant-snapshot-rag").props;
    assert.equal(cron.spec.schedule, "17 * * * *");
    assert.equal(cron.spec.concurrencyPolicy, "Forbid");
    assert.match(cron.spec.jobTemplate.spec.template.spec.containers[0].command[2], /keeping the newest 24/);
  });

  it("takes a snapshot and deletes all but the newest `snapshotRetain` (run against an HTTP double of Qdrant)", async function () {
    this.timeout(10000);
    if (!hasCurl()) this.skip();
    const snapshot = (hour: number) => `rag-7001-2026-11-25-${String(hour).padStart(2, "0")}-17-00.snapshot`;
    // Out of order on purpose: Qdrant does not promise an order.
    const stored = new Set([snapshot(3), snapshot(1), snapshot(4), snapshot(2)]);
    const qdrant = await startDouble(({ method, url, headers }) => {
      if (headers["api-key"] !== "k") return { status: 401 };
      if (url.pathname === "/collections/rag/snapshots" && method === "POST") {
        stored.add(snapshot(5));
        return { json: { result: { name: snapshot(5) }, status: "ok" } };
      }
      if (url.pathname === "/collections/rag/snapshots" && method === "GET") {
        return { json: { result: [...stored].map((name) => ({ name, creation_time: "…", size: 1024 })), status: "ok" } };
      }
      const name = url.pathname.replace("/collections/rag/snapshots/", "");
      if (method === "DELETE" && stored.delete(name)) return { json: { result: true, status: "ok" } };
      return undefined;
    });
    try {
      const out = await runShell(snapshotScript("rag", 2), { QDRANT: qdrant.url, QDRANT_API_KEY: "k" });
      assert.deepEqual([...stored].sort(), [snapshot(4), snapshot(5)]);
      assert.match(out, /snapshot taken; 5 on the volume, keeping the newest 2/);
      assert.equal(qdrant.calls.filter((c) => c.startsWith("DELETE")).length, 3);
    } finally {
      qdrant.close();
    }
  });
});
