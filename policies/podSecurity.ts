import type { ResourceValidationPolicy } from "@pulumi/policy";
import { hostConfigSchema, hostFrom } from "./config";
import { workloadPolicy } from "./workloadPolicy";

const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

/** What keeps a pod from meeting Pod Security Standards "restricted". */
export function restrictedProblems(podSpec: Record<string, any>): string[] {
  const problems: string[] = [];
  const pod = podSpec.securityContext ?? {};
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) problems.push("uses host namespaces");
  for (const v of podSpec.volumes ?? []) {
    const kind = Object.keys(v).find((k) => k !== "name");
    if (kind && !RESTRICTED_VOLUMES.includes(kind)) problems.push(`volume ${v.name} is ${kind}`);
  }
  for (const c of [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.privileged) problems.push(`${where} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where} allows privilege escalation`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where} does not drop ALL capabilities`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE");
    if (added.length) problems.push(`${where} adds ${added.join(",")}`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where} may run as root`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where} runs as UID 0`);
    if ((sc.seccompProfile?.type ?? pod.seccompProfile?.type) !== "RuntimeDefault" && (sc.seccompProfile?.type ?? pod.seccompProfile?.type) !== "Localhost") {
      problems.push(`${where} has no RuntimeDefault seccomp profile`);
    }
  }
  return problems;
}

export const podSecurityRestricted = workloadPolicy(
  {
    name: "pod-security-restricted",
    description: "Pods in app namespaces meet Pod Security Standards 'restricted' (the device-plugin namespace excepted).",
    enforcementLevel: "mandatory",
  },
  (w, { host, report }) => {
    if (host.privilegedNamespaces.includes(w.namespace)) return;
    const problems = restrictedProblems(w.podSpec);
    if (problems.length) {
      report(`${w.label}: not "restricted": ${problems.join("; ")}. Set runAsNonRoot, allowPrivilegeEscalation: false, capabilities.drop [ALL], seccompProfile RuntimeDefault.`);
    }
  },
);

export const namespaceEnforcesRestricted: ResourceValidationPolicy = {
  name: "namespace-enforces-restricted",
  description: "App namespaces carry pod-security.kubernetes.io/enforce: restricted.",
  enforcementLevel: "mandatory",
  configSchema: hostConfigSchema,
  validateResource: (args, reportViolation) => {
    if (args.type !== "kubernetes:core/v1:Namespace") return;
    const name = args.props.metadata?.name ?? args.name;
    if (hostFrom(args).privilegedNamespaces.includes(name)) return;
    const level = args.props.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    if (level !== "restricted") {
      reportViolation(`Namespace ${name}: enforces "${level ?? "nothing"}", not "restricted". Label it pod-security.kubernetes.io/enforce: restricted, or list it in privilegedNamespaces if it runs host daemons.`);
    }
  },
};
