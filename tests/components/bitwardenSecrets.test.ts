import { strict as assert } from "node:assert";
import { BitwardenSecrets, type BitwardenSecretsArgs } from "../../components/bitwardenSecrets";
import { parsePlatformConfig } from "../../config/load";
import { bitwardenArgs, bitwardenSecretSpecs } from "../../platform/gateway";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";
import { planStack, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

const STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
const EXTERNAL = "kubernetes:external-secrets.io/v1:ExternalSecret";

const args = (over: Partial<BitwardenSecretsArgs> = {}): BitwardenSecretsArgs => ({
  namespace: "external-secrets",
  sdkServerUrl: "https://bitwarden-sdk-server.external-secrets.svc.cluster.local:9998",
  bitwarden: {
    organizationId: "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
    projectId: "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    accessTokenSecret: { name: "bitwarden-access-token", key: "token" },
    apiUrl: "https://api.bitwarden.com",
    identityUrl: "https://identity.bitwarden.com",
  },
  secrets: [
    {
      namespace: "llm-gateway",
      secretName: "gateway-provider-keys",
      data: [{ secretKey: "OPENAI_API_KEY", bitwardenSecret: "3f2b7c1e-8a4d-4f5b-9c6e-1d2a3b4c5d6e" }],
    },
    { namespace: "llm-inference", secretName: "hf-token", data: [{ secretKey: "token", bitwardenSecret: "hf-token" }] },
  ],
  ...over,
});

/** The models kubernetes-models generates from External Secrets' CRDs: validate() checks the real schema. */
async function validate(kind: "ClusterSecretStore" | "ExternalSecret", object: Record<string, unknown>): Promise<void> {
  const models = (await import("@kubernetes-models/external-secrets/external-secrets.io/v1")) as Record<string, any>;
  new models[kind](object).validate();
}

describe("BitwardenSecrets component", () => {
  let r: Rendering;
  let secrets: BitwardenSecrets;
  before(async () => {
    r = await renderComponents(() => {
      const s = new BitwardenSecrets("secrets", args(), {});
      // A second store in the same cluster (another Bitwarden project), for other namespaces.
      new BitwardenSecrets("team-b", args({ secrets: [{ namespace: "team-b", secretName: "keys", data: [{ secretKey: "K", bitwardenSecret: "x" }] }] }));
      return s;
    });
    secrets = (r as unknown as { result: BitwardenSecrets }).result;
  });

  it("restricts the cluster-wide store to the namespaces whose Secrets it fills", async () => {
    const store = unwrap(r.get(STORE, "secrets-store").inputs);
    assert.equal(store.metadata.name, "secrets-bitwarden");
    assert.deepEqual(store.spec.conditions, [{ namespaces: ["llm-gateway", "llm-inference"] }]);
    assert.deepEqual(unwrap(r.get(STORE, "team-b-store").inputs).spec.conditions, [{ namespaces: ["team-b"] }]);
    await validate("ClusterSecretStore", store);
    assert.deepEqual(await valueOf(secrets.namespaces), ["llm-gateway", "llm-inference"]);
  });

  it("authenticates to the Bitwarden project through the SDK server over TLS, trusting its CA", () => {
    const bw = unwrap(r.get(STORE, "secrets-store").inputs).spec.provider.bitwardensecretsmanager;
    assert.equal(bw.bitwardenServerSDKURL, "https://bitwarden-sdk-server.external-secrets.svc.cluster.local:9998");
    assert.deepEqual(bw.caProvider, { type: "Secret", name: "bitwarden-tls-certs", namespace: "external-secrets", key: "ca.crt" });
    assert.deepEqual(bw.auth, { secretRef: { credentials: { name: "bitwarden-access-token", namespace: "external-secrets", key: "token" } } });
  });

  it("fills each asked-for Secret through one ExternalSecret that waits for the store", async () => {
    const hf = r.get(EXTERNAL, "secrets-llm-inference-hf-token");
    const spec = unwrap(hf.inputs);
    assert.deepEqual(spec.spec.secretStoreRef, { name: "secrets-bitwarden", kind: "ClusterSecretStore" });
    assert.deepEqual(spec.spec.target, { name: "hf-token", creationPolicy: "Owner" });
    assert.deepEqual(spec.spec.data, [{ secretKey: "token", remoteRef: { key: "hf-token" } }]);
    assert.equal(spec.spec.refreshInterval, "1h");
    assert.ok(hf.dependencies.includes(r.get(STORE, "secrets-store").urn));
    await validate("ExternalSecret", spec);
    assert.deepEqual(await valueOf(secrets.secretNames), ["llm-gateway/gateway-provider-keys", "llm-inference/hf-token"]);
  });

  it("parents its children, keeps the old token as an alias, and coexists with another instance", () => {
    for (const x of r.resources.filter((y) => y.name.startsWith("secrets-")))
      assert.equal(x.parent, r.get("llm-platform:index:BitwardenSecrets", "secrets").urn);
    assert.ok(r.get("llm-platform:index:BitwardenSecrets", "secrets").aliases.includes("llm-platform:secrets:BitwardenSecrets"));
    const names = kubernetesNames(r.resources);
    assert.equal(new Set(names).size, names.length, names.join("\n"));
  });

  it("refuses the same Secret twice, naming it", async () => {
    const twice = args();
    twice.secrets.push({ ...twice.secrets[0]! });
    await assert.rejects(
      renderComponents(() => new BitwardenSecrets("dup", twice)),
      /Secret llm-gateway\/gateway-provider-keys is asked for twice; merge its data into one entry/,
    );
  });
});

describe("Bitwarden secrets from the stack config", () => {
  const prod = stackConfig("prod");

  it("asks for the provider keys, the backup buckets' credentials and whatever another layer needs", () => {
    const raw = variant(prod, (c) => {
      c.gateway.postgres = {
        backup: {
          s3: { endpoint: "https://s3.example.com", bucket: "pg-dumps", accessKeyId: { bitwardenSecret: "ak" }, secretAccessKey: { bitwardenSecret: "sk" } },
        },
      };
      c.qdrant.backup = {
        s3: { endpoint: "https://s3.example.com", bucket: "snapshots", accessKeyId: { bitwardenSecret: "ak2" }, secretAccessKey: { bitwardenSecret: "sk2" } },
      };
    });
    const specs = bitwardenSecretSpecs(parsePlatformConfig(raw), [
      { namespace: "llm-inference", secretName: "hf", data: [{ secretKey: "token", bitwardenSecret: "hf" }] },
    ]);
    assert.deepEqual(
      specs.map((s) => `${s.namespace}/${s.secretName}: ${s.data.map((d) => `${d.secretKey}=${d.bitwardenSecret}`).join(",")}`),
      [
        "llm-gateway/gateway-provider-keys: OPENAI_API_KEY=5c0e9a7d-2b4f-4e1a-9d3c-7f6b8a2e4c10",
        "llm-gateway/gateway-postgres-backup-s3: AWS_ACCESS_KEY_ID=ak,AWS_SECRET_ACCESS_KEY=sk",
        "llm-data/qdrant-backup-s3: AWS_ACCESS_KEY_ID=ak2,AWS_SECRET_ACCESS_KEY=sk2",
        "llm-inference/hf: token=hf",
      ],
    );
  });

  it("builds no store without a Bitwarden project", () => {
    const raw = variant(stackConfig("prod"), (c) => {
      delete c.externalSecrets;
      delete c.providers.openai;
      c.gateway.fallbacks = {};
      c.gateway.contextWindowFallbacks = {};
    });
    assert.equal(bitwardenArgs(parsePlatformConfig(raw), "https://sdk"), undefined);
  });

  describe("in the prod plan", () => {
    let plan: StackPlan;
    before(async () => {
      plan = await planStack("prod");
    });

    it("restricts prod's store to the gateway's namespace", () => {
      const store = plan.resources.find((r) => r.type === STORE)!;
      assert.deepEqual(store.props.spec.conditions, [{ namespaces: ["llm-gateway"] }]);
      assert.equal(store.props.metadata.name, "secrets-bitwarden");
    });
  });
});
