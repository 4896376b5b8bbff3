import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const NGINX = "nginx.ingress.kubernetes.io/";
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const GATEWAY_GROUP = "gateway.networking.k8s.io";

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
      reportViolation(
        `${name}: ${hosts.length === 0 ? "has no host" : `hosts ${uncovered.join(", ")} are not in spec.tls`}; traffic would be plain HTTP. Add spec.tls with the hosts and the certificate secret.`,
      );
    }
  },
};

/** Is `origins` a list that allows every origin (`*`), in a comma-separated annotation or a list? */
const anyOrigin = (origins: string[]) => origins.some((o) => o.trim() === "*");

export const corsNoWildcardWithCredentials: ResourceValidationPolicy = {
  name: "cors-no-wildcard-with-credentials",
  description:
    "CORS never allows any origin together with credentials: an Ingress's cors-* annotations (ingress-nginx defaults: origin *, credentials true) or an HTTPRoute's CORS filter (Gateway API allowOrigins, allowCredentials).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type === INGRESS) {
      const a: Record<string, string> = args.props.metadata?.annotations ?? {};
      if (a[`${NGINX}enable-cors`] !== "true") return;
      const origin = a[`${NGINX}cors-allow-origin`] ?? "*";
      const credentials = (a[`${NGINX}cors-allow-credentials`] ?? "true") === "true";
      if (anyOrigin(origin.split(",")) && credentials) {
        reportViolation(
          `Ingress ${args.props.metadata?.name ?? args.name}: CORS allows origin "*" with credentials (${a[`${NGINX}cors-allow-credentials`] === undefined ? "ingress-nginx default true" : "cors-allow-credentials true"}): any site can call the API with the user's cookies. List origins in cors-allow-origin or set cors-allow-credentials "false".`,
        );
      }
      return;
    }
    if (args.type !== HTTPROUTE) return;
    const name = `HTTPRoute ${args.props.metadata?.namespace ?? "default"}/${args.props.metadata?.name ?? args.name}`;
    (args.props.spec?.rules ?? []).forEach((rule: any, i: number) => {
      for (const filter of rule.filters ?? []) {
        if (filter.type !== "CORS" || !filter.cors) continue;
        // Gateway API's allowCredentials defaults to false (apis/v1/httproute_types.go HTTPCORSFilter).
        if (anyOrigin(filter.cors.allowOrigins ?? []) && filter.cors.allowCredentials === true) {
          reportViolation(
            `${name} rule ${i}: the CORS filter allows origin "*" with allowCredentials true: any site can call the API with the user's cookies. List the origins in allowOrigins (edge.cors.origins) or set allowCredentials false.`,
          );
        }
      }
    });
  },
};

interface Listener {
  name: string;
  protocol: string;
  hostname?: string;
  tls?: { mode?: string; certificateRefs?: { group?: string; kind?: string; name: string; namespace?: string }[] };
  allowedRoutes?: {
    namespaces?: {
      from?: string;
      selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
    };
  };
}

const metaOf = (props: any) => ({ name: String(props.metadata?.name ?? ""), namespace: String(props.metadata?.namespace ?? "default") });

/**
 * Can a route in `namespace` attach to the listener (its allowedRoutes.namespaces)? Only the namespace's
 * own name is known here (`kubernetes.io/metadata.name`, which Kubernetes sets on every namespace): a
 * selector on any other label is taken to admit the route, so the check errs towards reporting.
 */
function admits(listener: Listener, gatewayNamespace: string, namespace: string): boolean {
  const ns = listener.allowedRoutes?.namespaces;
  const from = ns?.from ?? "Same";
  if (from === "All") return true;
  if (from === "Same") return namespace === gatewayNamespace;
  const selector = ns?.selector ?? {};
  const NAME = "kubernetes.io/metadata.name";
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (key === NAME && value !== namespace) return false;
  for (const e of selector.matchExpressions ?? []) {
    if (e.key !== NAME) continue;
    if (e.operator === "In" && !(e.values ?? []).includes(namespace)) return false;
    if (e.operator === "NotIn" && (e.values ?? []).includes(namespace)) return false;
  }
  return true;
}

/** A certificate name covers a host: the same name, or a wildcard `*.d` for exactly one more label. */
function covers(dnsName: string, host: string): boolean {
  if (dnsName === host) return true;
  if (!dnsName.startsWith("*.") || host.startsWith("*.")) return dnsName === host;
  const rest = host.slice(host.indexOf(".") + 1);
  return host.includes(".") && rest === dnsName.slice(2);
}

/** A route whose every rule only redirects to https (the plain-HTTP listener's one job). */
const redirectsToHttps = (route: any) =>
  (route.spec?.rules ?? []).length > 0 &&
  (route.spec.rules as any[]).every(
    (r) => (r.filters ?? []).some((f: any) => f.type === "RequestRedirect" && f.requestRedirect?.scheme === "https") && !(r.backendRefs ?? []).length,
  );

export const gatewayTls: StackValidationPolicy = {
  name: "gateway-tls",
  description:
    "Every Gateway API host is served over HTTPS: HTTPS listeners terminate TLS with a certificate whose names cover every host routed through them; routes on a plain-HTTP listener only redirect to https.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources = args.resources.map((r) => ({ type: r.type, name: r.name, props: r.props as any }));
    const gateways = resources.filter((r) => r.type === GATEWAY);
    const certificates = resources
      .filter((r) => r.type === CERTIFICATE)
      .map((c) => ({ ...metaOf(c.props), secretName: c.props.spec?.secretName as string | undefined, dnsNames: (c.props.spec?.dnsNames ?? []) as string[] }));

    for (const g of gateways) {
      const gw = metaOf(g.props);
      for (const l of (g.props.spec?.listeners ?? []) as Listener[]) {
        if (l.protocol !== "HTTPS") continue;
        const mode = l.tls?.mode ?? "Terminate";
        if (mode !== "Terminate" || !(l.tls?.certificateRefs ?? []).length) {
          reportViolation(
            `Gateway ${gw.namespace}/${gw.name} listener ${l.name}: HTTPS ${mode !== "Terminate" ? `with tls.mode ${mode} (the edge does not terminate TLS)` : "without tls.certificateRefs"}. Terminate TLS with the edge certificate's Secret (edge-tls).`,
          );
        }
      }
    }

    for (const r of resources.filter((x) => x.type === HTTPROUTE)) {
      const route = metaOf(r.props);
      const hostnames: string[] = r.props.spec?.hostnames ?? [];
      for (const ref of r.props.spec?.parentRefs ?? []) {
        if ((ref.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (ref.kind ?? "Gateway") !== "Gateway") continue;
        const gwNamespace = ref.namespace ?? route.namespace;
        const g = gateways.find((x) => metaOf(x.props).name === ref.name && metaOf(x.props).namespace === gwNamespace);
        if (!g) continue;
        const listeners = ((g.props.spec?.listeners ?? []) as Listener[]).filter(
          (l) => (ref.sectionName === undefined || l.name === ref.sectionName) && admits(l, gwNamespace, route.namespace),
        );
        for (const l of listeners) {
          const where = `HTTPRoute ${route.namespace}/${route.name} on Gateway ${gwNamespace}/${ref.name} listener ${l.name}`;
          if (l.protocol === "HTTP") {
            if (!redirectsToHttps(r.props)) {
              reportViolation(
                `${where}: serves ${hostnames.join(", ") || "every host"} over plain HTTP. Attach it to the HTTPS listener (parentRefs sectionName), or make it a RequestRedirect to https.`,
              );
            }
            continue;
          }
          if (l.protocol !== "HTTPS") continue;
          const hosts = hostnames.length ? hostnames : l.hostname ? [l.hostname] : [];
          const refs = l.tls?.certificateRefs ?? [];
          // The certificate a listener serves is its Secret; a cert-manager Certificate of the plan says which names it holds.
          const issued = refs.flatMap((c) => certificates.filter((cert) => cert.secretName === c.name && cert.namespace === (c.namespace ?? gwNamespace)));
          if (issued.length === 0) continue; // a Secret made outside the plan: its names cannot be read here
          if (hosts.length === 0) {
            reportViolation(
              `${where}: serves every host name, but its certificate covers only ${issued.flatMap((c) => c.dnsNames).join(", ")}. List the hosts in spec.hostnames (edge.hosts).`,
            );
            continue;
          }
          const uncovered = hosts.filter((h) => !issued.some((c) => c.dnsNames.some((d) => covers(d, h))));
          if (uncovered.length) {
            reportViolation(
              `${where}: hosts ${uncovered.join(", ")} are not in the certificate (${issued.map((c) => `${c.namespace}/${c.name}: ${c.dnsNames.join(", ") || "no dnsNames"}`).join("; ")}), so clients get a name mismatch. Add them to the Certificate's dnsNames (edge.hosts).`,
            );
          }
        }
      }
    }
  },
};
