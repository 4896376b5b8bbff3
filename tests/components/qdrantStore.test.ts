import { strict as assert } from "node:assert";
import { createHash, createHmac } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { QdrantStore } from "../../components/qdrantStore";
import { snapshotScript } from "../../components/specs/qdrant";
import { qdrantTokenExpiry } from "../../platform/gateway";
import { isSecretValue, kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";
import { WORKLOADS, envOf, expectedHash, generated, podOf, qdrantArgs } from "../fixtures/gatewayComponents";
import { hasCurl, runShell, startDouble } from "../fixtures/httpDouble";
import { planStack, type StackPlan } from "../fixtures/plans";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const CRONJOB = "kubernetes:batch/v1:CronJob";
const JOB = "kubernetes:batch/v1:Job";
const COMPONENT = "llm-platform:index:QdrantStore";

/** Decodes and verifies an HS256 JWT the way Qdrant's parser does (jsonwebtoken, HS256, the API key as secret). */
function verifyJwt(token: string, secret: string): Record<string, any> {
  const [header, claims, signature] = token.split(".");
  assert.deepEqual(JSON.parse(Buffer.from(header!, "base64url").toString()), { alg: "HS256", typ: "JWT" });
  const expected = createHmac("sha256", secret).update(`${header}.${claims}`).digest("base64url");
  assert.equal(signature, expected, "signed HS256 with the API key");
  return JSON.parse(Buffer.from(claims!, "base64url").toString());
}

describe("QdrantStore component", () => {
  let r: Rendering;
  let store: QdrantStore;
  before(async () => {
    r = await renderComponents(() => {
      const s = new QdrantStore("qdrant", qdrantArgs({ protect: true, retainOnDelete: true }));
      new QdrantStore(
        "vectors",
        qdrantArgs({ snapshots: { s3: { endpoint: "https://s3.example.com", bucket: "snaps", prefix: "dev", credentialsSecret: "vectors-s3" } } }),
      );
      return s;
    });
    store = (r as unknown as { result: QdrantStore }).result;
  });
  const inputs = (type: string, name: string) => unwrap(r.get(type, name).inputs);

  it("keeps today's names for a store named qdrant and derives them for any other, so two coexist", () => {
    const names = kubernetesNames(r.resources);
    assert.equal(new Set(names).size, names.length, names.join("\n"));
    assert.equal(inputs(STATEFULSET, "qdrant-statefulset").metadata.name, "qdrant");
    assert.equal(inputs(PVC, "qdrant-storage").metadata.name, "qdrant-storage");
    assert.equal(inputs(STATEFULSET, "vectors-statefulset").metadata.name, "vectors-qdrant");
    assert.deepEqual(inputs(STATEFULSET, "vectors-statefulset").spec.selector.matchLabels, {
      "app.kubernetes.io/name": "qdrant",
      "app.kubernetes.io/instance": "vectors",
    });
  });

  it("parents its children, keeps the old type token as an alias, protects and retains data and the API key", () => {
    for (const child of r.resources.filter((x) => x.name.startsWith("qdrant-"))) assert.equal(child.parent, r.get(COMPONENT, "qdrant").urn, child.name);
    assert.ok(r.get(COMPONENT, "qdrant").aliases.includes("llm-platform:data:QdrantStore"));
    for (const [type, name] of [
      [PVC, "qdrant-storage"],
      [PVC, "qdrant-backups"],
      [STATEFULSET, "qdrant-statefulset"],
      ["random:index/randomPassword:RandomPassword", "qdrant-api-key"],
      ["kubernetes:core/v1:Secret", "qdrant-api-keys"],
    ]) {
      assert.deepEqual([r.get(type!, name!).protect, r.get(type!, name!).retainOnDelete], [true, true], name);
    }
    assert.equal(r.get(PVC, "vectors-storage").protect, false);
  });

  it("turns on JWT RBAC with the API key and has no shared read-only key", () => {
    const pod = podOf(r.get(STATEFULSET, "qdrant-statefulset"));
    const env = envOf(pod.containers[0]);
    assert.equal(env.QDRANT__SERVICE__JWT_RBAC, "true");
    assert.deepEqual(env.QDRANT__SERVICE__API_KEY, { secretKeyRef: { name: "qdrant-api-keys", key: "api-key" } });
    assert.equal(env.QDRANT__SERVICE__READ_ONLY_API_KEY, undefined);
    assert.deepEqual(Object.keys(inputs("kubernetes:core/v1:Secret", "qdrant-api-keys").stringData), ["api-key"]);
    assert.ok(isSecretValue(r.get("kubernetes:core/v1:Secret", "qdrant-api-keys").inputs.stringData));
  });

  it("issues each client a token scoped to the collection, with its access and expiry, as a secret output", async () => {
    assert.equal(await pulumi.isSecret(store.clientTokens), true);
    const tokens = await valueOf(store.clientTokens);
    assert.deepEqual(Object.keys(tokens), ["n8n", "webui"]);
    const key = generated("qdrant-api-key");
    assert.deepEqual(verifyJwt(tokens.webui!, key), { sub: "webui", access: [{ collection: "rag", access: "r" }], exp: 1893456000 });
    assert.deepEqual(verifyJwt(tokens.n8n!, key).access, [{ collection: "rag", access: "rw" }]);
    assert.throws(() => verifyJwt(tokens.webui!, "another-key"), /signed HS256 with the API key/);
  });

  it("signs the metrics scraper a global read-only token into its own Secret, only when asked", async () => {
    assert.throws(() => r.get("kubernetes:core/v1:Secret", "qdrant-metrics-token"));
    const m = await renderComponents(() => new QdrantStore("qdrant", qdrantArgs({ metricsReader: { expiresAt: 1893456000 } })));
    const secret = m.get("kubernetes:core/v1:Secret", "qdrant-metrics-token");
    assert.equal(unwrap(secret.inputs).metadata.name, "qdrant-metrics-token");
    assert.ok(isSecretValue(secret.inputs.stringData), "the token is a secret where the engine receives it");
    // Qdrant's /metrics asks for global access: {"access": "r"} is global read-only (storage::rbac::GlobalAccessMode::Read).
    assert.deepEqual(verifyJwt(unwrap(secret.inputs).stringData.token, generated("qdrant-api-key")), { sub: "metrics", access: "r", exp: 1893456000 });
    assert.ok(!Object.keys(unwrap(secret.inputs).stringData).includes("api-key"));
  });

  it("restarts Qdrant when its key rotates (a digest in the template) and rotates only when asked", async () => {
    const key = generated("qdrant-api-key");
    const annotation = r.get(STATEFULSET, "qdrant-statefulset").inputs.spec.template.metadata.annotations["llm-platform.io/secret-hash"];
    assert.ok(!isSecretValue(annotation));
    assert.equal(annotation, expectedHash(key, { "api-key": key }));
    assert.equal(inputs("random:index/randomPassword:RandomPassword", "qdrant-api-key").keepers, undefined);
    const rotated = await renderComponents(() => new QdrantStore("q", qdrantArgs({ apiKeyRotation: 2 })));
    assert.deepEqual(unwrap(rotated.get("random:index/randomPassword:RandomPassword", "q-api-key").inputs).keepers, { rotation: "2" });
  });

  it("stages snapshots in Qdrant and ships them to a volume Qdrant never mounts, or to S3", () => {
    const sts = podOf(r.get(STATEFULSET, "qdrant-statefulset"));
    assert.deepEqual(sts.volumes.map((v: any) => v.persistentVolumeClaim?.claimName).filter(Boolean), ["qdrant-storage", "qdrant-snapshots"]);
    assert.equal(inputs(PVC, "qdrant-snapshots").metadata.labels["backup-tier"], "none", "staging holds nothing worth backing up");
    const backups = inputs(PVC, "qdrant-backups");
    assert.deepEqual(
      [backups.spec.storageClassName, backups.spec.resources.requests.storage, backups.metadata.labels["backup-tier"]],
      ["nfs", "40Gi", "daily"],
    );
    const cron = podOf(r.get(CRONJOB, "qdrant-snapshots"));
    assert.equal(cron.volumes.find((v: any) => v.name === "backups").persistentVolumeClaim.claimName, "qdrant-backups");
    assert.equal(envOf(cron.containers[0]).BACKUP_DIR, "/backups");
    assert.deepEqual(
      envOf(cron.containers[0]).QDRANT_API_KEY,
      { secretKeyRef: { name: "qdrant-api-keys", key: "api-key" } },
      "read each run: follows rotations",
    );
    assert.equal(inputs(CRONJOB, "qdrant-snapshots").spec.schedule, "17 * * * *");
    const s3 = podOf(r.get(CRONJOB, "vectors-snapshots"));
    assert.equal(envOf(s3.containers[0]).S3_BUCKET, "snaps");
    assert.equal(
      s3.volumes.find((v: any) => v.name === "backups"),
      undefined,
    );
    assert.throws(() => r.get(PVC, "vectors-backups"));
  });

  it("hardens its pods and lets its Job recover", () => {
    for (const w of r.resources.filter((x) => WORKLOADS.includes(x.type))) {
      const pod = podOf(w);
      assert.equal(pod.automountServiceAccountToken, false, w.name);
      for (const c of pod.containers) assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${w.name}/${c.name}`);
    }
    assert.equal(
      envOf(podOf(r.get(STATEFULSET, "qdrant-statefulset")).containers[0]).QDRANT_INIT_FILE_PATH,
      "/tmp/.qdrant-initialized",
      "writes its init marker to the writable /tmp",
    );
    const job = inputs(JOB, "qdrant-collection");
    assert.equal(job.metadata.annotations["pulumi.com/replaceUnready"], "true");
    assert.equal(job.spec.ttlSecondsAfterFinished, undefined);
    assert.match(job.spec.template.spec.containers[0].command[2], /"vectors":\{"size":1024,"distance":"Cosine"\}/);
    assert.doesNotMatch(job.spec.template.spec.containers[0].command[2], /-H "api-key: \$QDRANT_API_KEY"/, "the key is not on curl's command line");
  });

  it("exposes its Service and URL", async () => {
    assert.equal(await valueOf(store.serviceName), "qdrant");
    assert.equal(await valueOf(store.url), "http://qdrant.data.svc.cluster.local:6333");
  });
});

describe("Qdrant client token expiry", () => {
  it("is the start of the current UTC month plus validFor: every deploy in a month signs the same token", () => {
    const start = Date.UTC(2026, 10, 1) / 1000;
    assert.equal(qdrantTokenExpiry("90d", new Date("2026-11-01T00:00:00Z")), start + 90 * 86400);
    assert.equal(qdrantTokenExpiry("90d", new Date("2026-11-30T23:59:59Z")), start + 90 * 86400);
    assert.equal(qdrantTokenExpiry("90d", new Date("2026-12-01T00:00:00Z")), Date.UTC(2026, 11, 1) / 1000 + 90 * 86400);
    assert.equal(qdrantTokenExpiry("2mo", new Date("2026-11-15T12:00:00Z")), start + 2 * 30 * 86400);
  });
});

describe("Qdrant snapshot shipping (the CronJob's script against an HTTP double of Qdrant)", function () {
  this.timeout(20000);
  const snapshot = (hour: number) => `rag-7001-2026-11-25-${String(hour).padStart(2, "0")}-17-00.snapshot`;
  /** The bytes the double serves for a snapshot (it answers in JSON, so a quoted string). */
  const content = (name: string) => JSON.stringify(`data of ${name}`);
  const sha = (s: string) => createHash("sha256").update(s).digest("hex");

  /** Qdrant's snapshot API for collection rag; `corrupt` serves wrong bytes for that snapshot. */
  async function fakeQdrant(stored: Set<string>, created: string, corrupt?: string) {
    return startDouble(({ method, url, headers }) => {
      if (headers["api-key"] !== "k") return { status: 401 };
      const base = "/collections/rag/snapshots";
      if (url.pathname === base && method === "POST") {
        stored.add(created);
        return { json: { result: { name: created, creation_time: "2026-11-25T05:17:00", size: 9, checksum: sha(content(created)) }, status: "ok" } };
      }
      if (url.pathname === base && method === "GET") {
        return {
          json: { result: [...stored].map((name) => ({ name, creation_time: "…", size: 9, checksum: sha(content(name)) })), status: "ok", time: 0.001 },
        };
      }
      const name = url.pathname.replace(`${base}/`, "");
      if (method === "GET" && stored.has(name)) return { json: name === corrupt ? "garbage" : `data of ${name}` };
      if (method === "DELETE" && stored.delete(name)) return { json: { result: true, status: "ok" } };
      return undefined;
    });
  }

  it("ships every snapshot Qdrant holds to the backup volume, deletes it in Qdrant, and keeps the newest `keep` there", async function () {
    if (!hasCurl()) this.skip();
    const backups = mkdtempSync(join(tmpdir(), "backups-"));
    const work = mkdtempSync(join(tmpdir(), "work-"));
    for (const h of [1, 2]) writeFileSync(join(backups, snapshot(h)), "old");
    // A snapshot a failed run left behind in Qdrant.
    const stored = new Set([snapshot(3)]);
    const qdrant = await fakeQdrant(stored, snapshot(4));
    try {
      const out = await runShell(snapshotScript("rag", 3, "volume"), { QDRANT: qdrant.url, QDRANT_API_KEY: "k", BACKUP_DIR: backups, WORK_DIR: work });
      assert.deepEqual([...stored], [], "Qdrant keeps nothing the API key could delete");
      assert.deepEqual(readdirSync(backups).sort(), [snapshot(2), snapshot(3), snapshot(4)]);
      assert.equal(readFileSync(join(backups, snapshot(4)), "utf8"), content(snapshot(4)), "the bytes Qdrant served");
      assert.match(out, /4 snapshot\(s\) on the backup volume, keeping the newest 3/);
      assert.match(out, new RegExp(`deleted old snapshot ${snapshot(1)}`));
      assert.equal(qdrant.calls.filter((c) => c.startsWith("DELETE")).length, 2);
    } finally {
      qdrant.close();
    }
  });

  it("refuses to ship a snapshot whose sha256 differs from Qdrant's checksum, and keeps it in Qdrant", async function () {
    if (!hasCurl()) this.skip();
    const backups = mkdtempSync(join(tmpdir(), "backups-"));
    const stored = new Set<string>();
    const qdrant = await fakeQdrant(stored, snapshot(5), snapshot(5));
    try {
      await assert.rejects(
        runShell(snapshotScript("rag", 3, "volume"), {
          QDRANT: qdrant.url,
          QDRANT_API_KEY: "k",
          BACKUP_DIR: backups,
          WORK_DIR: mkdtempSync(join(tmpdir(), "work-")),
        }),
        /checksum mismatch, not shipped/,
      );
      assert.deepEqual(readdirSync(backups), []);
      assert.deepEqual([...stored], [snapshot(5)]);
    } finally {
      qdrant.close();
    }
  });

  it("uploads to S3 instead when a bucket is configured", async function () {
    if (!hasCurl()) this.skip();
    const puts: string[] = [];
    const s3 = await startDouble((req) =>
      req.method === "PUT" && req.headers.authorization?.toString().startsWith("AWS4-HMAC-SHA256")
        ? (puts.push(req.url.pathname), { json: {} })
        : { status: 403 },
    );
    const stored = new Set<string>();
    const qdrant = await fakeQdrant(stored, snapshot(6));
    try {
      await runShell(snapshotScript("rag", 3, "s3"), {
        QDRANT: qdrant.url,
        QDRANT_API_KEY: "k",
        WORK_DIR: mkdtempSync(join(tmpdir(), "work-")),
        S3_ENDPOINT: s3.url,
        S3_BUCKET: "snaps",
        S3_REGION: "us-east-1",
        S3_PREFIX: "prod",
        AWS_ACCESS_KEY_ID: "a",
        AWS_SECRET_ACCESS_KEY: "b",
      });
      assert.deepEqual(puts, [`/snaps/prod/${snapshot(6)}`]);
      assert.deepEqual([...stored], []);
    } finally {
      s3.close();
      qdrant.close();
    }
  });
});

describe("QdrantStore in the prod stack", () => {
  let prod: StackPlan;
  before(async () => {
    prod = await planStack("prod");
  });
  const find = (type: string, name: string) => prod.resources.find((r) => r.type === type && r.props.metadata?.name === name)!;

  it("keeps vectors on a protected, retained 20Gi RWO GFS volume and ships snapshots to the backups class", () => {
    const storage = find(PVC, "qdrant-storage");
    assert.deepEqual(storage.props.spec.accessModes, ["ReadWriteOnce"]);
    assert.equal(storage.props.spec.resources.requests.storage, "20Gi");
    assert.equal(storage.props.metadata.labels["backup-tier"], "gfs");
    assert.deepEqual([storage.opts?.protect, storage.opts?.retainOnDelete], [true, true]);
    assert.equal(find(PVC, "qdrant-backups").props.spec.storageClassName, "nfs-rwx");
  });

  it("gives the seed's clients their own tokens: the web UI reads, the workflows also write", async () => {
    const tokens = await valueOf(prod.outputs.qdrantClientTokens as pulumi.Output<Record<string, string>>);
    const claims = (t: string) => JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString());
    assert.deepEqual(claims(tokens.webui!).access, [{ collection: "rag", access: "r" }]);
    assert.deepEqual(claims(tokens.n8n!).access, [{ collection: "rag", access: "rw" }]);
    assert.ok(claims(tokens.webui!).exp > Date.now() / 1000, "not yet expired");
  });
});
