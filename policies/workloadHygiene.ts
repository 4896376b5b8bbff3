import { isDigestPinned } from "@llm-platform/kube";
import { protectedStacksConfigSchema, stackOf, startupProbeConfigSchema } from "./config";
import { workloadPolicy } from "./workloadPolicy";
import { vllmArgsOf } from "./workloads";

export const vllmStartupProbe = workloadPolicy(
  {
    name: "vllm-startup-probe",
    description: "vLLM containers have a startupProbe long enough for download, load and CUDA graph capture.",
    enforcementLevel: "mandatory",
    configSchema: startupProbeConfigSchema,
  },
  (w, { host, report }) => {
    const min = host.minStartupSeconds;
    // Init containers run to completion before the server (e.g. waiting for GPU memory): no probes there.
    for (const c of ((w.podSpec.containers ?? []) as Record<string, any>[]).filter((c) => vllmArgsOf(c))) {
      const p = c.startupProbe;
      if (!p) {
        report(
          `${w.label} container ${c.name}: no startupProbe; liveness would kill vLLM while it loads the model. Add a startupProbe on /health allowing ≥ ${min} s.`,
        );
        continue;
      }
      const window = (p.periodSeconds ?? 10) * (p.failureThreshold ?? 3) + (p.initialDelaySeconds ?? 0);
      if (window < min) {
        report(
          `${w.label} container ${c.name}: startupProbe allows ${window} s (period × failureThreshold) < ${min} s needed to load a model. Raise failureThreshold (startupTimeoutSeconds).`,
        );
      }
    }
  },
);

export const requestsAndLimits = workloadPolicy(
  {
    name: "requests-and-limits",
    description: "Every container sets CPU and memory requests and a memory limit.",
    enforcementLevel: "mandatory",
  },
  (w, { report }) => {
    for (const c of w.containers) {
      const missing = [
        c.resources?.requests?.cpu === undefined && c.resources?.limits?.cpu === undefined ? "requests.cpu" : undefined,
        c.resources?.requests?.memory === undefined && c.resources?.limits?.memory === undefined ? "requests.memory" : undefined,
        c.resources?.limits?.memory === undefined ? "limits.memory" : undefined,
      ].filter(Boolean);
      if (missing.length) {
        report(
          `${w.label} container ${c.name}: missing ${missing.join(", ")}; the budgets cannot count it and one pod can starve the node. Set resources.requests and resources.limits.`,
        );
      }
    }
  },
);

export const imagesPinned = workloadPolicy(
  {
    name: "images-pinned",
    description: "Images are pinned to a version tag or digest, never latest or untagged; prod requires digests (advisory).",
    enforcementLevel: "mandatory",
  },
  (w, { report }) => {
    for (const c of w.containers) {
      const image = String(c.image ?? "");
      if (isDigestPinned(image)) continue;
      const tag = /:([\w][\w.-]*)$/.exec(image.split("/").pop() ?? "")?.[1];
      if (!tag || tag === "latest") {
        report(
          `${w.label} container ${c.name}: image "${image}" is not pinned; a restart may pull different code. Use a version tag or a digest (@sha256:...).`,
        );
      }
    }
  },
);

export const prodImageDigests = workloadPolicy(
  {
    name: "prod-image-digests",
    description: "In protected (prod) stacks, images are pinned by digest: tags can be moved.",
    enforcementLevel: "advisory",
    configSchema: protectedStacksConfigSchema,
  },
  (w, { host, args, report }) => {
    if (!host.protectedStacks.includes(stackOf(args.urn))) return;
    for (const c of w.containers.filter((c) => !isDigestPinned(String(c.image ?? "")))) {
      report(
        `${w.label} container ${c.name}: image "${c.image}" is pinned by tag, not digest, in stack ${stackOf(args.urn)}. Pin it by digest: \`npm run pin-digests -- --stack <stack> --write\` commits repo:tag@sha256:<digest> for every image with llm-platform:images.pinning digest, to review in a pull request (the pin-digests workflow opens one weekly).`,
      );
    }
  },
);

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|MASTER_KEY|SALT)/i;

export const noSecretEnvLiterals = workloadPolicy(
  {
    name: "no-secret-env-literals",
    description: "Secret-looking environment variables come from Secrets, never literal values.",
    enforcementLevel: "mandatory",
  },
  (w, { report }) => {
    for (const c of w.containers) {
      for (const env of c.env ?? []) {
        if (SECRET_NAME.test(env.name) && typeof env.value === "string" && env.value.length > 0 && !env.value.startsWith("os.environ/")) {
          report(
            `${w.label} container ${c.name}: env ${env.name} has a literal value; it ends up in state, manifests and Git. Use valueFrom.secretKeyRef (an ExternalSecret).`,
          );
        }
      }
    }
  },
);
