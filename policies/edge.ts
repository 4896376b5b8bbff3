import type { ResourceValidationPolicy } from "@pulumi/policy";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const NGINX = "nginx.ingress.kubernetes.io/";

export const ingressTls: ResourceValidationPolicy = {
  name: "ingress-tls",
  description: "Every Ingress serves its hosts over TLS.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== INGRESS) return;
    const name = `Ingress ${args.props.metadata?.namespace ?? "default"}/${args.props.metadata?.name ?? args.name}`;
    // cert-manager's own HTTP-01 solver ingresses are plain HTTP by design; ours never are.
    const hosts: string[] = (args.props.spec?.rules ?? []).map((r: any) => r.host).filter(Boolean);
    const tlsHosts = new Set<string>((args.props.spec?.tls ?? []).flatMap((t: any) => t.hosts ?? []));
    const uncovered = hosts.filter((h) => !tlsHosts.has(h));
    if (hosts.length === 0 || uncovered.length) {
      reportViolation(`${name}: ${hosts.length === 0 ? "has no host" : `hosts ${uncovered.join(", ")} are not in spec.tls`}; traffic would be plain HTTP. Add spec.tls with the hosts and the certificate secret.`);
    }
  },
};

export const corsNoWildcardWithCredentials: ResourceValidationPolicy = {
  name: "cors-no-wildcard-with-credentials",
  description: "CORS never allows any origin together with credentials (ingress-nginx defaults: origin *, credentials true).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== INGRESS) return;
    const a: Record<string, string> = args.props.metadata?.annotations ?? {};
    if (a[`${NGINX}enable-cors`] !== "true") return;
    const origin = a[`${NGINX}cors-allow-origin`] ?? "*";
    const credentials = (a[`${NGINX}cors-allow-credentials`] ?? "true") === "true";
    if (origin.split(",").some((o) => o.trim() === "*") && credentials) {
      reportViolation(
        `Ingress ${args.props.metadata?.name ?? args.name}: CORS allows origin "*" with credentials (${a[`${NGINX}cors-allow-credentials`] === undefined ? "ingress-nginx default true" : "cors-allow-credentials true"}): any site can call the API with the user's cookies. List origins in cors-allow-origin or set cors-allow-credentials "false".`,
      );
    }
  },
};
