import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { doctor, parseArgs, runDoctor } from "../../doctor/cli";
import { checkPrerequisites } from "../../doctor/checks";
import { kubeClusterReader, loadKubeConfig, type ClusterReader } from "../../doctor/cluster";
import { prerequisites, type Prerequisite } from "../../plan/prerequisites";
import { planned } from "../plan/planned";
import { parsePlatformConfig } from "../../config/load";
import { planStack } from "../fixtures/plans";
import { PROJECT_ROOT, fixtureStackFile, stackConfig, variant } from "../fixtures/stacks";
import { startDouble } from "../fixtures/httpDouble";

type Recorded = Record<string, { status?: number; body: unknown }>;

function recorded(name: string): Recorded {
  const all = JSON.parse(readFileSync(join(__dirname, "fixtures", `${name}.json`), "utf8")) as Recorded & { _comment?: unknown };
  delete all._comment;
  return all;
}

/** A kube-apiserver double answering GETs from recorded responses (404 for anything else), and a kubeconfig pointing at it through `context` (the prod fixture's llm-platform:cluster.context). */
async function apiServer(responses: Recorded, context = "llm-prod") {
  const double = await startDouble((req) => {
    const selector = req.url.searchParams.get("labelSelector");
    const answer = responses[`${req.url.pathname}${selector ? `?labelSelector=${selector}` : ""}`];
    return answer
      ? { status: answer.status ?? 200, json: answer.body }
      : { status: 404, json: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 } };
  });
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "doctor-")), "config");
  // client-node refuses plain HTTP unless TLS verification is off, as for a `kubectl proxy` endpoint.
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: double
    cluster: {server: "${double.url}", insecure-skip-tls-verify: true}
users:
  - name: reader
    user: {token: read-only-token}
contexts:
  - name: ${context}
    context: {cluster: double, user: reader}
current-context: ${context}
`,
  );
  return { ...double, kubeconfig };
}

const prod = { root: PROJECT_ROOT, stack: "prod", config: fixtureStackFile("prod") };

/** The doctor on the prod fixture's prerequisites (planned once) against a kubeconfig. */
async function check(kubeconfig: string, resolveHost: (host: string) => Promise<string[]>) {
  const cluster = kubeClusterReader(loadKubeConfig(kubeconfig));
  return doctor("prod", prodPrerequisites, cluster, await cluster.version(), resolveHost);
}
let prodPrerequisites: Prerequisite[];

describe("npm run doctor against an API server double", function () {
  this.timeout(120_000);
  before(async () => {
    const { resources, config } = await planned("prod");
    prodPrerequisites = prerequisites(resources, config);
  });

  it("ready cluster: exit 0, every prerequisite present or created during the first up, read-only, no secret value printed", async () => {
    const api = await apiServer(recorded("ready"));
    try {
      const { exitCode, output } = await runDoctor(
        { ...prod, kubeconfig: api.kubeconfig },
        { resolveHost: async (host) => (host === "llm.example.com" ? ["192.168.1.240"] : []) },
      );
      assert.equal(exitCode, 0, output);
      assert.match(
        output,
        /^doctor: stack prod against context llm-prod \(http:\/\/127\.0\.0\.1:\d+, Kubernetes v1\.34\.2\+k3s1\)\n {2}✓ cluster identity: kube-system UID 4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03: the stack's cluster\n/,
      );
      assert.match(output, /✓ StorageClass nfs-rwx: provisioner nfs\.csi\.k8s\.io, reclaim policy Retain/);
      assert.match(output, /✓ NodeLabel feature\.node\.kubernetes\.io\/pci-10de\.present=true: on gpu-node/);
      // Prod shares its GPUs with DRA: the pods are pinned to their node by name, and the claims need resource.k8s.io/v1.
      assert.match(output, /✓ NodeLabel kubernetes\.io\/hostname=gpu-node: on gpu-node/);
      assert.match(
        output,
        /✓ DynamicResourceAllocation resource\.k8s\.io\/v1 \(Kubernetes ≥ 1\.34\) and CDI: Kubernetes v1\.34\.2\+k3s1 serves resource\.k8s\.io\/v1/,
      );
      assert.doesNotMatch(output, /GpuRuntime/, "no device plugin, no nvidia.com/gpu to advertise");
      assert.match(output, /✓ Secret external-secrets\/bitwarden-access-token \(keys token\): keys token present/);
      assert.match(output, /✓ LoadBalancer LoadBalancer Services: Service ingress-nginx\/edge-nginx has 192\.168\.1\.240/);
      assert.match(output, /✓ DNSRecord llm\.example\.com: resolves to 192\.168\.1\.240; the edge is 192\.168\.1\.240/);
      assert.match(output, /\? BitwardenSecret 5c0e9a7d-2b4f-4e1a-9d3c-7f6b8a2e4c10: UNVERIFIED — the doctor cannot read Bitwarden/);
      assert.match(
        output,
        /✓ ApiServerAddress kubernetes API server: 192\.168\.1\.10:6443 is inside the allowed ranges; narrow them to llm-platform:network\.apiServer: \{cidrs: \[192\.168\.1\.10\/32\], ports: \[6443\]\}/,
      );
      assert.match(output, /result: ready — 9 present, 1 not checkable through the API \(see above\)\n$/);
      assert.doesNotMatch(output, /RECORDEDmachine|MC5SRUNPUkRFRG1h/, "the token's value (plain or base64) is never printed");
      assert.ok(api.calls.length > 5 && api.calls.every((c) => c.startsWith("GET ")), api.calls.join("\n"));
    } finally {
      api.close();
    }
  });

  it("not-ready cluster: exit 1 naming each missing prerequisite and how to create it", async () => {
    const api = await apiServer(recorded("not-ready"));
    try {
      const { exitCode, output } = await check(api.kubeconfig, async () => []);
      assert.equal(exitCode, 1, output);
      const missing = output
        .split("\n")
        .filter((l) => l.startsWith("  ✗"))
        .map((l) => l.slice(4, l.indexOf(":")));
      assert.deepEqual(missing, [
        "StorageClass nfs-rwx",
        "DynamicResourceAllocation resource.k8s.io/v1 (Kubernetes ≥ 1.34) and CDI",
        "Secret external-secrets/bitwarden-access-token (keys token)",
        "LoadBalancer LoadBalancer Services",
        "DNSRecord llm.example.com",
        "ApiServerAddress kubernetes API server",
      ]);
      assert.match(output, /✓ StorageClass proxmox-csi/);
      // Under DRA the stack installs NFD itself: before the first up no node has the label, and that is not a failure.
      assert.match(
        output,
        /… NodeLabel feature\.node\.kubernetes\.io\/pci-10de\.present=true: PENDING — no node has it yet; node-feature-discovery from addons-node-feature-discovery sets it during `pulumi up`/,
      );
      assert.match(
        output,
        /✗ DynamicResourceAllocation resource\.k8s\.io\/v1 \(Kubernetes ≥ 1\.34\) and CDI: MISSING — Kubernetes v1\.31\.4 does not serve resource\.k8s\.io\/v1 \(1\.34 does\)/,
      );
      assert.match(
        output,
        /fix: the stack creates namespace external-secrets: run `pulumi up --target '[^']+::ns-externalSecrets'` to create only it, then `kubectl -n external-secrets create secret generic bitwarden-access-token --from-literal=token=/,
      );
      assert.match(output, /LoadBalancer Services: MISSING — no Service of type LoadBalancer has an address and no load-balancer implementation was found/);
      assert.match(
        output,
        /ApiServerAddress kubernetes API server: MISSING — the API server answers at 34\.120\.1\.2 port 443, outside what the NetworkPolicies allow: set llm-platform:network\.apiServer: \{cidrs: \[34\.120\.1\.2\/32\], ports: \[443\]\}/,
      );
      assert.match(output, /result: NOT READY — 6 missing; create them and run the doctor again\n$/);
      assert.ok(api.calls.every((c) => c.startsWith("GET ")));
    } finally {
      api.close();
    }
  });

  it("with gpuSharing.nodeFeatureDiscovery.install false the GPU label is demanded before up: missing, with the fix", async () => {
    const raw = variant(stackConfig("prod"), (c) => (c.gpuSharing.nodeFeatureDiscovery = { install: false }));
    const list = prerequisites((await planStack("prod", raw)).resources, parsePlatformConfig(raw)).filter((p) => p.kind === "NodeLabel");
    const api = await apiServer(recorded("not-ready"));
    try {
      const cluster = kubeClusterReader(loadKubeConfig(api.kubeconfig));
      const { exitCode, output } = await doctor("prod", list, cluster, await cluster.version());
      assert.equal(exitCode, 1, output);
      assert.match(
        output,
        /✗ NodeLabel feature\.node\.kubernetes\.io\/pci-10de\.present=true: MISSING — no node carries it\n {6}why: .*\n {6}fix: .*kubectl label node <gpu-node> feature\.node\.kubernetes\.io\/pci-10de\.present=true/,
      );
    } finally {
      api.close();
    }
  });

  it("a Secret without the key the pods read is missing, naming the key", async () => {
    const responses = recorded("ready");
    const secret = responses["/api/v1/namespaces/external-secrets/secrets/bitwarden-access-token"]!.body as { data: Record<string, string> };
    secret.data = { BWS_ACCESS_TOKEN: secret.data.token! };
    const api = await apiServer(responses);
    try {
      const { exitCode, output } = await check(api.kubeconfig, async () => ["192.168.1.240"]);
      assert.equal(exitCode, 1);
      assert.match(
        output,
        /✗ Secret external-secrets\/bitwarden-access-token \(keys token\): MISSING — Secret external-secrets\/bitwarden-access-token lacks key token/,
      );
    } finally {
      api.close();
    }
  });

  it("DNS that points elsewhere than the edge's address is missing", async () => {
    const api = await apiServer(recorded("ready"));
    try {
      const { exitCode, output } = await check(api.kubeconfig, async () => ["203.0.113.7"]);
      assert.equal(exitCode, 1);
      assert.match(output, /DNSRecord llm\.example\.com: MISSING — llm\.example\.com resolves to 203\.0\.113\.7, but the edge's address is 192\.168\.1\.240/);
    } finally {
      api.close();
    }
  });

  it("DRA needs Kubernetes 1.34 exactly: 1.34.0 serves resource.k8s.io/v1, 1.33.9 does not", async () => {
    const dra = prodPrerequisites.filter((p) => p.kind === "DynamicResourceAllocation");
    assert.equal(dra.length, 1);
    const at = (version: string) => checkPrerequisites(dra, { version: async () => version } as unknown as ClusterReader);
    assert.equal((await at("v1.34.0"))[0]!.status, "ok");
    assert.equal((await at("v1.35.1-gke.100"))[0]!.status, "ok");
    assert.equal((await at("v2.0.0"))[0]!.status, "ok");
    const old = (await at("v1.33.9+k3s1"))[0]!;
    assert.deepEqual([old.status, old.detail], ["missing", "Kubernetes v1.33.9+k3s1 does not serve resource.k8s.io/v1 (1.34 does)"]);
  });

  it("an unreachable API server: exit 2 before planning anything, naming the context", async () => {
    const api = await apiServer({});
    api.close();
    const { exitCode, output } = await runDoctor({ ...prod, kubeconfig: api.kubeconfig });
    assert.equal(exitCode, 2, output);
    assert.match(
      output,
      /^doctor: cannot reach the API server of context llm-prod \(llm-platform:cluster\.context\): .*Check `kubectl config get-contexts` and `kubectl --context <context> version`/,
    );
  });

  it("another cluster behind the stack's context: exit 1 naming both UIDs, before any prerequisite is read", async () => {
    const responses = recorded("ready");
    (responses["/api/v1/namespaces/kube-system"]!.body as { metadata: { uid: string } }).metadata.uid = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
    const api = await apiServer(responses);
    try {
      const { exitCode, output } = await runDoctor({ ...prod, kubeconfig: api.kubeconfig });
      assert.equal(exitCode, 1, output);
      assert.match(
        output,
        /✗ cluster identity: MISMATCH — context llm-prod reaches another cluster than this stack's: its kube-system namespace has UID 9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a, not 4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03 \(llm-platform:cluster\.identity\.kubeSystemUid\)/,
      );
      assert.match(output, /result: WRONG CLUSTER — not this stack's\n$/);
      assert.deepEqual(api.calls, ["GET /version", "GET /api/v1/namespaces/kube-system"], "nothing else is read from the wrong cluster");
    } finally {
      api.close();
    }
  });

  it("identity by API server URL: the context's server must be the configured one", async () => {
    const api = await apiServer(recorded("ready"));
    try {
      const dir = mkdtempSync(join(tmpdir(), "doctor-stack-"));
      const withServer = (server: string) => {
        const file = join(dir, "Pulumi.prod.yaml");
        writeFileSync(
          file,
          readFileSync(fixtureStackFile("prod"), "utf8").replace("      kubeSystemUid: 4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03\n", `      server: ${server}\n`),
        );
        return file;
      };
      const wrong = await runDoctor({ root: PROJECT_ROOT, stack: "prod", config: withServer("https://10.9.9.9:6443"), kubeconfig: api.kubeconfig });
      assert.equal(wrong.exitCode, 1, wrong.output);
      assert.match(
        wrong.output,
        new RegExp(`its API server is ${api.url.replace(/[.]/g, "\\.")}, not https://10\\.9\\.9\\.9:6443 \\(llm-platform:cluster\\.identity\\.server\\)`),
      );
      const right = await runDoctor(
        { root: PROJECT_ROOT, stack: "prod", config: withServer(`${api.url}/`), kubeconfig: api.kubeconfig },
        { resolveHost: async () => ["192.168.1.240"] },
      );
      assert.match(right.output, new RegExp(`✓ cluster identity: server ${api.url.replace(/[.]/g, "\\.")}: the stack's cluster`));
      assert.equal(right.exitCode, 0, right.output);
    } finally {
      api.close();
    }
  });

  it("uses the stack's context, not the current one: a kubeconfig without it is exit 2 naming it; --context overrides", async () => {
    const api = await apiServer(recorded("ready"), "lab");
    try {
      const missing = await runDoctor({ ...prod, kubeconfig: api.kubeconfig });
      assert.equal(missing.exitCode, 2);
      assert.match(
        missing.output,
        /cannot reach the API server of context llm-prod \(llm-platform:cluster\.context\): the kubeconfig has no context "llm-prod" \(it has: lab\)/,
      );
      assert.deepEqual(api.calls, []);
      const overridden = await runDoctor({ ...prod, kubeconfig: api.kubeconfig, context: "lab" }, { resolveHost: async () => ["192.168.1.240"] });
      assert.match(overridden.output, /^doctor: stack prod against context lab .*\n {2}✓ cluster identity: kube-system UID 4f0c8a52/);
    } finally {
      api.close();
    }
  });

  it("a stack without cluster.identity: the identity is unverified, and the doctor names the value to set", async () => {
    const responses = recorded("ready");
    // dev's volumes use the default class: a kind cluster's local-path one.
    responses["/apis/storage.k8s.io/v1/storageclasses"] = {
      body: {
        kind: "StorageClassList",
        apiVersion: "storage.k8s.io/v1",
        metadata: {},
        items: [
          { metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "rancher.io/local-path" },
        ],
      },
    };
    const api = await apiServer(responses, "kind-llm-dev");
    try {
      const { output } = await runDoctor(
        { root: PROJECT_ROOT, stack: "dev", config: fixtureStackFile("dev"), kubeconfig: api.kubeconfig },
        { resolveHost: async () => [] },
      );
      assert.match(
        output,
        /\? cluster identity: UNVERIFIED — no llm-platform:cluster\.identity: this cluster's is \{kubeSystemUid: 4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03\}; set it \(pulumi config set --path 'llm-platform:cluster\.identity\.kubeSystemUid' 4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03\)/,
      );
    } finally {
      api.close();
    }
  });

  it("takes the stack, the kubeconfig and the context; refuses anything else", () => {
    assert.deepEqual(parseArgs(["--stack", "prod", "--kubeconfig", "k", "--context", "lab"]), {
      root: PROJECT_ROOT,
      stack: "prod",
      kubeconfig: "k",
      context: "lab",
    });
    assert.throws(() => parseArgs(["--bogus"]), /unknown argument "--bogus"/);
    assert.throws(() => parseArgs(["--kubeconfig", "k"]), /give --stack <name> or --config <file>/);
    assert.throws(() => parseArgs(["--stack"]), /--stack needs a value/);
  });
});
