import type { ResourceValidationPolicy } from "@pulumi/policy";
import { hostFrom, podSecurityConfigSchema } from "./config";
import { workloadPolicy } from "./workloadPolicy";

// Pod Security Standards, https://kubernetes.io/docs/concepts/security/pod-security-standards/
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
const BASELINE_CAPABILITIES = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];
const BASELINE_SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const SAFE_SYSCTLS = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
];

const containersOf = (podSpec: Record<string, any>): Record<string, any>[] => [
  ...(podSpec.containers ?? []),
  ...(podSpec.initContainers ?? []),
  ...(podSpec.ephemeralContainers ?? []),
];

/** What keeps a pod from meeting Pod Security Standards "baseline" (what operator namespaces enforce). */
export function baselineProblems(podSpec: Record<string, any>): string[] {
  const problems: string[] = [];
  const pod = podSpec.securityContext ?? {};
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) problems.push("uses host namespaces");
  if (pod.windowsOptions?.hostProcess) problems.push("is a Windows HostProcess pod");
  for (const v of podSpec.volumes ?? []) if (v.hostPath) problems.push(`volume ${v.name} is hostPath`);
  const unsafe = (pod.sysctls ?? []).map((s: { name: string }) => s.name).filter((name: string) => !SAFE_SYSCTLS.includes(name));
  if (unsafe.length) problems.push(`sets unsafe sysctls ${unsafe.join(",")}`);
  const podLevel = [{ where: "pod", sc: pod }];
  const containers = containersOf(podSpec).map((c) => ({ where: `container ${c.name}`, sc: c.securityContext ?? {}, c }));
  for (const { where, sc } of [...podLevel, ...containers]) {
    if (sc.seccompProfile?.type === "Unconfined") problems.push(`${where} has seccomp Unconfined`);
    if (sc.appArmorProfile?.type === "Unconfined") problems.push(`${where} has AppArmor Unconfined`);
    const se = sc.seLinuxOptions;
    if (se && (!BASELINE_SELINUX_TYPES.includes(se.type ?? "") || se.user || se.role)) problems.push(`${where} sets a custom SELinux user, role or type`);
  }
  for (const { where, sc, c } of containers) {
    if (sc.privileged) problems.push(`${where} is privileged`);
    if (sc.windowsOptions?.hostProcess) problems.push(`${where} is a Windows HostProcess container`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => !BASELINE_CAPABILITIES.includes(cap));
    if (added.length) problems.push(`${where} adds ${added.join(",")}`);
    if (sc.procMount && sc.procMount !== "Default") problems.push(`${where} uses procMount ${sc.procMount}`);
    const hostPorts = (c.ports ?? []).map((p: { hostPort?: number }) => p.hostPort).filter((p: number | undefined) => p);
    if (hostPorts.length) problems.push(`${where} binds host port ${hostPorts.join(",")}`);
  }
  return problems;
}

/** What keeps a pod from meeting Pod Security Standards "restricted" (baseline included). */
export function restrictedProblems(podSpec: Record<string, any>): string[] {
  const problems = baselineProblems(podSpec);
  const pod = podSpec.securityContext ?? {};
  for (const v of podSpec.volumes ?? []) {
    const kind = Object.keys(v).find((k) => k !== "name");
    if (kind && kind !== "hostPath" && !RESTRICTED_VOLUMES.includes(kind)) problems.push(`volume ${v.name} is ${kind}`);
  }
  for (const c of containersOf(podSpec)) {
    const sc = c.securityContext ?? {};
    const where = `container ${c.name}`;
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where} allows privilege escalation`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where} does not drop ALL capabilities`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== "NET_BIND_SERVICE" && BASELINE_CAPABILITIES.includes(cap));
    if (added.length) problems.push(`${where} adds ${added.join(",")}`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where} may run as root`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where} runs as UID 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where} has no RuntimeDefault seccomp profile`);
  }
  return problems;
}

export const podSecurityRestricted = workloadPolicy(
  {
    name: "pod-security-restricted",
    description: "Pods meet Pod Security 'restricted' in app namespaces and 'baseline' in baselineNamespaces; privilegedNamespaces are exempt.",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
  },
  (w, { host, report }) => {
    if (host.privilegedNamespaces.includes(w.namespace)) return;
    if (host.baselineNamespaces.includes(w.namespace)) {
      const problems = baselineProblems(w.podSpec);
      if (problems.length)
        report(
          `${w.label}: not "baseline" (namespace ${w.namespace} is in baselineNamespaces): ${problems.join("; ")}. Drop host namespaces, hostPath, privileged and added capabilities.`,
        );
      return;
    }
    const problems = restrictedProblems(w.podSpec);
    if (problems.length) {
      report(
        `${w.label}: not "restricted": ${problems.join("; ")}. Set runAsNonRoot, allowPrivilegeEscalation: false, capabilities.drop [ALL], seccompProfile RuntimeDefault.`,
      );
    }
  },
);

const ENFORCE = "pod-security.kubernetes.io/enforce";

export const namespaceEnforcesRestricted: ResourceValidationPolicy = {
  name: "namespace-enforces-restricted",
  description: "App namespaces enforce Pod Security 'restricted'; baselineNamespaces enforce at least 'baseline'; privilegedNamespaces are exempt.",
  enforcementLevel: "mandatory",
  configSchema: podSecurityConfigSchema,
  validateResource: (args, reportViolation) => {
    if (args.type !== "kubernetes:core/v1:Namespace") return;
    const name = args.props.metadata?.name ?? args.name;
    const settings = hostFrom(args);
    if (settings.privilegedNamespaces.includes(name)) return;
    const level = args.props.metadata?.labels?.[ENFORCE];
    if (settings.baselineNamespaces.includes(name)) {
      if (level !== "baseline" && level !== "restricted") {
        reportViolation(
          `Namespace ${name}: enforces "${level ?? "nothing"}"; as one of baselineNamespaces it must enforce at least "baseline". Label it ${ENFORCE}: baseline.`,
        );
      }
      return;
    }
    if (level !== "restricted") {
      reportViolation(
        `Namespace ${name}: enforces "${level ?? "nothing"}", not "restricted". Label it ${ENFORCE}: restricted, ` +
          `or list it in baselineNamespaces (operators) or privilegedNamespaces (host daemons) of the policy config.`,
      );
    }
  },
};
