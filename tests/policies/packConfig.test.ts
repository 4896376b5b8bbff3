import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../config/load";
import { DEFAULT_POLICY_CONFIG, resolvePolicyConfig, settingsFromPackConfig, type HostPolicyConfig } from "../../policies/config";
import { evaluatePolicies, type PlannedResource } from "../../policies/evaluate";
import { allPolicies } from "../../policies/pack";
import { baselineProblems } from "../../policies/podSecurity";
import { policyConfigFromPlatform, policyPackConfigFile } from "../../plan/policyConfig";
import { planStack, violationsOf, type StackPlan } from "../fixtures/plans";
import { reconcilePolicyConfig, type EnginePolicyInfo } from "../fixtures/policyEngine";
import { stackConfig } from "../fixtures/stacks";

const infos: EnginePolicyInfo[] = allPolicies.map((p) => ({
  name: p.name,
  enforcementLevel: p.enforcementLevel ?? "advisory",
  configSchema: p.configSchema as EnginePolicyInfo["configSchema"],
}));
const schemaKeys = (name: string) => Object.keys(allPolicies.find((p) => p.name === name)!.configSchema?.properties ?? {}).sort();

function namespace(name: string, level: string | undefined, stack = "prod"): PlannedResource {
  const labels = level === undefined ? {} : { "pod-security.kubernetes.io/enforce": level };
  return {
    type: "kubernetes:core/v1:Namespace",
    name: `ns-${name}`,
    urn: `urn:pulumi:${stack}::llm-platform::kubernetes:core/v1:Namespace::ns-${name}`,
    props: { metadata: { name, labels } },
  };
}

/** A Deployment whose pod meets "restricted" exactly; `change` breaks one thing. */
function deployment(ns: string, change: (pod: any) => void = () => undefined): PlannedResource {
  const pod: any = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      {
        name: "app",
        image: "example/app:1.0.0",
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } },
      },
    ],
    volumes: [],
  };
  change(pod);
  return {
    type: "kubernetes:apps/v1:Deployment",
    name: "app",
    urn: "urn:pulumi:prod::llm-platform::kubernetes:apps/v1:Deployment::app",
    props: { metadata: { name: "app", namespace: ns }, spec: { replicas: 1, strategy: { type: "Recreate" }, template: { spec: pod } } },
  };
}

function pvc(labels: Record<string, string>, opts: { stack?: string; protect?: boolean } = {}): PlannedResource {
  const stack = opts.stack ?? "prod";
  return {
    type: "kubernetes:core/v1:PersistentVolumeClaim",
    name: "data",
    urn: `urn:pulumi:${stack}::llm-platform::kubernetes:core/v1:PersistentVolumeClaim::data`,
    props: { metadata: { name: "data", namespace: "llm-data", labels }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
    opts: { protect: opts.protect ?? false },
  };
}

const messages = async (resources: PlannedResource[], policy: string, config?: Partial<HostPolicyConfig>) =>
  violationsOf(await evaluatePolicies(resources, config), policy).map((v) => v.message);

describe("policy pack config", () => {
  it("gives each policy its own schema with only the settings it reads", () => {
    for (const p of [
      "gpu-slices-within-host",
      "gpu-memory-per-card",
      "vllm-kv-cache-fits-max-model-len",
      "gpu-limits-whole-slices",
      "compute-within-host",
      "storage-within-classes",
      "shared-volumes-rwx",
    ]) {
      assert.deepEqual(schemaKeys(p), ["host"], p);
    }
    assert.deepEqual(schemaKeys("pod-security-restricted"), ["baselineNamespaces", "privilegedNamespaces"]);
    assert.deepEqual(schemaKeys("namespace-enforces-restricted"), ["baselineNamespaces", "privilegedNamespaces"]);
    assert.deepEqual(schemaKeys("network-policy-per-namespace"), ["privilegedNamespaces"]);
    assert.deepEqual(schemaKeys("pvc-backup-tier"), ["backupTierLabel"]);
    assert.deepEqual(schemaKeys("stateful-protected-in-prod"), ["backupTierLabel", "protectedStacks"]);
    assert.deepEqual(schemaKeys("prod-image-digests"), ["protectedStacks"]);
    assert.deepEqual(schemaKeys("vllm-startup-probe"), ["minStartupSeconds"]);
    for (const p of [
      "gpu-rollout-no-deadlock",
      "requests-and-limits",
      "images-pinned",
      "no-secret-env-literals",
      "ingress-tls",
      "gateway-tls",
      "cors-no-wildcard-with-credentials",
    ]) {
      assert.deepEqual(schemaKeys(p), [], `${p} takes no settings`);
    }
  });

  it("puts the pack's defaults in the schemas, where the engine fills them in, and they validate", () => {
    const { config, errors } = reconcilePolicyConfig(infos);
    assert.deepEqual(errors, []);
    for (const p of allPolicies.filter((x) => x.configSchema)) {
      // What each policy reads from its engine-supplied config is the pack default for every setting.
      assert.deepEqual(resolvePolicyConfig(settingsFromPackConfig({ [p.name]: config[p.name]!.properties })), DEFAULT_POLICY_CONFIG, p.name);
    }
  });

  it("defaults to the program's own namespaces and backup label", () => {
    const platform = parsePlatformConfig(stackConfig("prod"));
    assert.deepEqual(
      [...DEFAULT_POLICY_CONFIG.baselineNamespaces].sort(),
      [platform.namespaces.ingress, platform.namespaces.certManager, platform.namespaces.externalSecrets].sort(),
    );
    assert.ok(DEFAULT_POLICY_CONFIG.privilegedNamespaces.includes(platform.namespaces.devicePlugin));
    assert.equal(DEFAULT_POLICY_CONFIG.backupTierLabel, platform.storage.backupTierLabel);
  });

  describe("the plan's --policy-pack-config file", () => {
    const settings = policyConfigFromPlatform(parsePlatformConfig(stackConfig("prod")));
    const file = policyPackConfigFile(settings);

    it("has an entry with exactly its schema's keys for every policy that takes settings", () => {
      const withSettings = allPolicies
        .filter((p) => Object.keys(p.configSchema?.properties ?? {}).length > 0)
        .map((p) => p.name)
        .sort();
      assert.deepEqual(Object.keys(file).sort(), withSettings);
      for (const [name, entry] of Object.entries(file)) assert.deepEqual(Object.keys(entry).sort(), schemaKeys(name), name);
      assert.deepEqual(file["stateful-protected-in-prod"], { backupTierLabel: "backup-tier", protectedStacks: ["prod"] });
    });

    it("passes the engine's validation and gives back the settings it was made from", () => {
      const { errors, config } = reconcilePolicyConfig(infos, file);
      assert.deepEqual(errors, []);
      assert.deepEqual(config["gpu-memory-per-card"]!.properties.host, {
        nodes: settings.nodes,
        sharing: settings.sharing,
        systemReserved: settings.systemReserved,
        overcommit: settings.overcommit,
        storageGiB: settings.storageGiB,
      });
      assert.deepEqual(resolvePolicyConfig(settingsFromPackConfig(file)), settings);
    });

    it("is refused by the engine when a setting sits where the policy does not read it", () => {
      const old = { "gpu-slices-within-host": { host: { ...file["gpu-slices-within-host"]!.host, privilegedNamespaces: ["kube-system"] } } };
      assert.deepEqual(reconcilePolicyConfig(infos, old).errors, ["gpu-slices-within-host: /host must NOT have additional properties (privilegedNamespaces)"]);
    });

    it("is refused by the engine with a fractional GPU count, naming the key", () => {
      const host = structuredClone(file["compute-within-host"]!.host!);
      host.nodes![0]!.gpus = 0.5;
      assert.deepEqual(reconcilePolicyConfig(infos, { "compute-within-host": { host } }).errors, ["compute-within-host: /host/nodes/0/gpus must be integer"]);
    });
  });
});

describe("pack defaults and the program's prod plan", () => {
  let prod: StackPlan;
  // Per test: the synthesis is memoized (tests/fixtures/plans.ts); the host config is derived inside the test.
  beforeEach(async () => {
    prod = await planStack("prod");
  });

  it("accept it without any policy config", async () => {
    const v = await evaluatePolicies(prod.resources);
    assert.deepEqual(
      v.filter((x) => x.level === "mandatory"),
      [],
    );
  });

  it("would refuse its operator namespaces without baselineNamespaces", async () => {
    const found = await messages(prod.resources, "namespace-enforces-restricted", { baselineNamespaces: [] });
    // The operator namespaces prod creates at baseline (External Secrets only where Bitwarden is configured).
    const baseline = prod.resources
      .filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.props.metadata.labels["pod-security.kubernetes.io/enforce"] === "baseline")
      .map((r) => `Namespace ${r.props.metadata.name}`)
      .sort();
    assert.ok(baseline.length >= 2, baseline.join(", "));
    assert.deepEqual(found.map((m) => m.split(":")[0]).sort(), baseline);
    assert.match(found[0]!, /enforces "baseline", not "restricted"\. .*or list it in baselineNamespaces \(operators\)/);
  });
});

describe("baselineNamespaces", () => {
  it("lets an operator namespace enforce baseline or restricted, not less", async () => {
    assert.deepEqual(await messages([namespace("ingress-nginx", "baseline"), namespace("cert-manager", "restricted")], "namespace-enforces-restricted"), []);
    assert.deepEqual(await messages([namespace("ingress-nginx", "privileged")], "namespace-enforces-restricted"), [
      'Namespace ingress-nginx: enforces "privileged"; as one of baselineNamespaces it must enforce at least "baseline". Label it pod-security.kubernetes.io/enforce: baseline.',
    ]);
    assert.match(
      (await messages([namespace("ingress-nginx", undefined)], "namespace-enforces-restricted"))[0]!,
      /enforces "nothing"; as one of baselineNamespaces/,
    );
  });

  it("still requires restricted of app namespaces and exempts privileged ones", async () => {
    assert.match(
      (await messages([namespace("llm-gateway", "baseline")], "namespace-enforces-restricted"))[0]!,
      /^Namespace llm-gateway: enforces "baseline", not "restricted"/,
    );
    assert.deepEqual(await messages([namespace("nvidia-device-plugin", "privileged")], "namespace-enforces-restricted"), []);
  });

  it("come from config: a namespace listed there may enforce baseline", async () => {
    const custom = { baselineNamespaces: ["edge"] };
    assert.deepEqual(await messages([namespace("edge", "baseline")], "namespace-enforces-restricted", custom), []);
    assert.equal((await messages([namespace("ingress-nginx", "baseline")], "namespace-enforces-restricted", custom)).length, 1);
  });

  it("hold pods there to baseline, not restricted", async () => {
    const rootAllowed = (pod: any) => delete pod.securityContext.runAsNonRoot;
    assert.deepEqual(await messages([deployment("ingress-nginx", rootAllowed)], "pod-security-restricted"), []);
    assert.match(
      (await messages([deployment("llm-gateway", rootAllowed)], "pod-security-restricted"))[0]!,
      /^Deployment llm-gateway\/app: not "restricted": container app may run as root/,
    );
    const hostPath = (pod: any) => pod.volumes.push({ name: "root", hostPath: { path: "/" } });
    assert.deepEqual(await messages([deployment("ingress-nginx", hostPath)], "pod-security-restricted"), [
      'Deployment ingress-nginx/app: not "baseline" (namespace ingress-nginx is in baselineNamespaces): volume root is hostPath. Drop host namespaces, hostPath, privileged and added capabilities.',
    ]);
  });

  describe("the baseline rules", () => {
    const app = (pod: any) => pod.containers[0];
    const podOf = (change: (pod: any) => void) => deployment("x", change).props.spec.template.spec as Record<string, unknown>;
    const cases: [string, (pod: any) => void, string | undefined][] = [
      ["a restricted pod", () => undefined, undefined],
      ["host PID", (pod) => (pod.hostPID = true), "uses host namespaces"],
      ["privileged", (pod) => (app(pod).securityContext.privileged = true), "container app is privileged"],
      ["SYS_ADMIN", (pod) => (app(pod).securityContext.capabilities.add = ["SYS_ADMIN"]), "container app adds SYS_ADMIN"],
      ["CHOWN (in the baseline set)", (pod) => (app(pod).securityContext.capabilities.add = ["CHOWN"]), undefined],
      ["a host port", (pod) => (app(pod).ports = [{ containerPort: 80, hostPort: 80 }]), "container app binds host port 80"],
      ["a container port only", (pod) => (app(pod).ports = [{ containerPort: 80 }]), undefined],
      ["procMount Unmasked", (pod) => (app(pod).securityContext.procMount = "Unmasked"), "container app uses procMount Unmasked"],
      ["procMount Default", (pod) => (app(pod).securityContext.procMount = "Default"), undefined],
      ["an unsafe sysctl", (pod) => (pod.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]), "sets unsafe sysctls kernel.msgmax"],
      ["a safe sysctl", (pod) => (pod.securityContext.sysctls = [{ name: "net.ipv4.tcp_syncookies", value: "1" }]), undefined],
      ["seccomp Unconfined", (pod) => (pod.securityContext.seccompProfile = { type: "Unconfined" }), "pod has seccomp Unconfined"],
      ["AppArmor Unconfined", (pod) => (app(pod).securityContext.appArmorProfile = { type: "Unconfined" }), "container app has AppArmor Unconfined"],
      ["SELinux spc_t", (pod) => (app(pod).securityContext.seLinuxOptions = { type: "spc_t" }), "container app sets a custom SELinux user, role or type"],
      ["SELinux container_t", (pod) => (app(pod).securityContext.seLinuxOptions = { type: "container_t" }), undefined],
    ];
    for (const [what, change, expected] of cases) {
      it(`${expected ? "refuse" : "allow"} ${what}`, () => assert.deepEqual(baselineProblems(podOf(change)), expected ? [expected] : []));
    }
  });

  it("refuse in restricted namespaces a capability baseline allows", async () => {
    const chown = (pod: any) => (pod.containers[0].securityContext.capabilities.add = ["CHOWN"]);
    assert.match((await messages([deployment("llm-gateway", chown)], "pod-security-restricted"))[0]!, /container app adds CHOWN/);
  });
});

describe("backupTierLabel", () => {
  const custom = { backupTierLabel: "backup.example.com/tier" };

  it("is the label pvc-backup-tier reads", async () => {
    assert.deepEqual(await messages([pvc({ "backup-tier": "gfs" })], "pvc-backup-tier"), []);
    assert.deepEqual(await messages([pvc({ "backup.example.com/tier": "daily" })], "pvc-backup-tier", custom), []);
    assert.deepEqual(await messages([pvc({ "backup-tier": "gfs" })], "pvc-backup-tier", custom), [
      "PVC data: backup.example.com/tier label is missing; the backup system will not select it. Label it backup.example.com/tier: gfs | daily | none, or set backupTierLabel to the label your backup system selects on.",
    ]);
    assert.match((await messages([pvc({ "backup-tier": "weekly" })], "pvc-backup-tier"))[0]!, /^PVC data: backup-tier label is "weekly"/);
  });

  it("is the label that exempts a volume from protection in protected stacks", async () => {
    assert.deepEqual(await messages([pvc({ "backup.example.com/tier": "none" })], "stateful-protected-in-prod", custom), []);
    assert.match(
      (await messages([pvc({ "backup-tier": "none" })], "stateful-protected-in-prod", custom))[0]!,
      /^PersistentVolumeClaim data in stack prod: not protected;.* or label it backup\.example\.com\/tier: none/,
    );
    assert.deepEqual(await messages([pvc({ "backup-tier": "gfs" }, { protect: true })], "stateful-protected-in-prod"), []);
  });

  it("applies only to the protected stacks from config", async () => {
    assert.deepEqual(await messages([pvc({ "backup-tier": "gfs" }, { stack: "staging" })], "stateful-protected-in-prod"), []);
    assert.equal(
      (await messages([pvc({ "backup-tier": "gfs" }, { stack: "staging" })], "stateful-protected-in-prod", { protectedStacks: ["staging"] })).length,
      1,
    );
  });
});
