import { parseVllmArgs } from "@llm-platform/capacity";
import { podSecurityConfigSchema, protectedStacksConfigSchema, stackOf } from "./config";
import { workloadPolicy } from "./workloadPolicy";
import { vllmArgsOf } from "./workloads";

/** A Hugging Face commit: a revision nobody can move (branches and tags can). */
const COMMIT = /^[0-9a-f]{40}$/;

/**
 * Pods of the platform's own workloads get no service-account token: none of them talks to the
 * Kubernetes API, and a mounted token is what an attacker in a compromised model server or gateway
 * would use next. Operator namespaces (privileged, baseline) are exempt: their controllers need it.
 */
export const podsWithoutServiceAccountToken = workloadPolicy(
  {
    name: "pods-without-service-account-token",
    description: "App pods set automountServiceAccountToken: false (none of them calls the Kubernetes API).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
  },
  (w, { host, report }) => {
    if ([...host.privilegedNamespaces, ...host.baselineNamespaces].includes(w.namespace)) return;
    if (w.podSpec.automountServiceAccountToken !== false) {
      report(
        `${w.label}: mounts a service-account token (automountServiceAccountToken is ${w.podSpec.automountServiceAccountToken ?? "unset, so true"}); ` +
          `a compromised container could call the Kubernetes API with it. Set spec.automountServiceAccountToken: false, or list the namespace in privilegedNamespaces/baselineNamespaces if an operator needs it.`,
      );
    }
  },
);

/**
 * vLLM servers read their weights from a shared volume they must not be able to change (one
 * compromised server would poison every server's model) and run offline: every volume claim a vLLM
 * container mounts is read-only, and HF_HUB_OFFLINE=1 keeps it from downloading at start.
 */
export const modelVolumesReadOnly = workloadPolicy(
  {
    name: "model-volumes-read-only",
    description: "vLLM containers mount every PersistentVolumeClaim read-only and run with HF_HUB_OFFLINE=1.",
    enforcementLevel: "mandatory",
  },
  (w, { report }) => {
    const claims = new Map<string, boolean>(
      (w.podSpec.volumes ?? []).filter((v: any) => v.persistentVolumeClaim).map((v: any) => [v.name, v.persistentVolumeClaim.readOnly === true]),
    );
    for (const c of w.containers.filter((c) => vllmArgsOf(c))) {
      const writable = (c.volumeMounts ?? [])
        .filter((m: any) => claims.has(m.name) && m.readOnly !== true && claims.get(m.name) !== true)
        .map((m: any) => `${m.name} at ${m.mountPath}`);
      if (writable.length) {
        report(
          `${w.label} container ${c.name}: mounts ${writable.join(", ")} read-write; a model server could change the weights every server loads. Mount it readOnly (and the claim persistentVolumeClaim.readOnly); weights are written by the download Jobs only.`,
        );
      }
      const offline = (c.env ?? []).find((e: any) => e.name === "HF_HUB_OFFLINE")?.value;
      if (offline !== "1") {
        report(
          `${w.label} container ${c.name}: HF_HUB_OFFLINE is ${offline === undefined ? "unset" : `"${offline}"`}; vLLM may reach the Hub at start (and needs egress and a token for it). Set HF_HUB_OFFLINE=1 and download with the model cache's Jobs.`,
        );
      }
    }
  },
);

/**
 * In protected stacks (prod) the model a server runs is pinned to a commit: a branch such as `main`
 * moves, so a restart could load different weights than the ones reviewed and planned for. Checked on
 * the vLLM command line (`--revision`) and on the download Jobs (`REVISION`).
 */
export const prodModelRevisionsPinned = workloadPolicy(
  {
    name: "prod-model-revisions-pinned",
    description: "In protected stacks, vLLM servers and model downloads name a 40-hex commit revision.",
    enforcementLevel: "mandatory",
    configSchema: protectedStacksConfigSchema,
  },
  (w, { host, args, report }) => {
    const stack = stackOf(args.urn);
    if (!host.protectedStacks.includes(stack)) return;
    for (const c of w.containers) {
      const vllm = vllmArgsOf(c);
      if (vllm) {
        const parsed = parseVllmArgs(vllm);
        const revision = parsed.flags.get("revision")?.[0];
        if (!revision || !COMMIT.test(revision)) {
          report(
            `${w.label} container ${c.name}: serves ${parsed.model ?? "a model"} at ${revision ? `revision "${revision}"` : "no --revision (the repo's main branch)"} in stack ${stack}; a moved branch changes the weights on the next restart. Pin models.<alias>.revision to the commit SHA.`,
          );
        }
        continue;
      }
      const download = (c.env ?? []).find((e: any) => e.name === "MODEL_ID");
      if (!download) continue;
      const revision = (c.env ?? []).find((e: any) => e.name === "REVISION")?.value;
      if (typeof revision !== "string" || !COMMIT.test(revision)) {
        report(
          `${w.label} container ${c.name}: downloads ${download.value ?? "a model"} at ${revision ? `revision "${revision}"` : "the main branch"} in stack ${stack}. Pin models.<alias>.revision to the commit SHA.`,
        );
      }
    }
  },
);
