/**
 * Evaluators of how each edge controller routes a request, written from the controllers' sources so the
 * parity tests run the same paths through both implementations. They take the rendered objects (not
 * the route table), so a wrong object shows up as a wrong backend path.
 *
 * - ingress-nginx (controller v1.15.1): internal/ingress/controller/location.go (updateServerLocations:
 *   a Prefix path without regex becomes `path/` plus an Exact `path`), controller.go (locations sorted by
 *   path, then by length, longest first), template/template.go (enforceRegexModifier: once any location of
 *   a server has a rewrite or use-regex, EVERY location is written `location ~* "^<path>"`; buildProxyPass:
 *   `rewrite "(?i)<path>" <target> break;`), nginx's own location selection (exact `=`, then the longest
 *   prefix, then regexes in file order, first match wins) and rewrite semantics (the regex is searched in
 *   the URI, the WHOLE URI becomes the replacement; `$n` are the captures; the query string is kept), and
 *   the default `no-tls-redirect-locations: /.well-known/acme-challenge` (config.go).
 * - Gateway API (v1.5.1 spec text, apis/v1/httproute_types.go) as NGINX Gateway Fabric 2.6.7 implements
 *   it: listeners' allowedRoutes, hostnames, Exact before the longest PathPrefix (element-wise), ties by
 *   namespace/name then rule order; RequestRedirect; URLRewrite ReplaceFullPath, and ReplacePrefixMatch as
 *   NGF renders it (internal/controller/nginx/config/servers.go createMainRewriteForFilters:
 *   `rewrite ^<prefix>([^?]*)? <replacement>$1?$args? break;` applied to the request URI).
 */

export type Outcome =
  | { kind: "backend"; namespace: string; service: string; port: number; path: string; via: string }
  | { kind: "redirect"; status: number; location: string }
  | { kind: "not-found" }
  | { kind: "bad-request" };

/** nginx's $uri: percent-decoded, `//` merged, `.` and `..` resolved (a `..` above the root is a 400). */
export function normalizeUri(raw: string): string | undefined {
  const path = raw.split("?")[0]!;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const out: string[] = [];
  const segments = decoded.split("/").slice(1);
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === "" && !last) return;
    if (segment === ".") {
      if (last) out.push("");
      return;
    }
    if (segment === "..") {
      if (out.length === 0) throw new RangeError("above root");
      out.pop();
      if (last) out.push("");
      return;
    }
    out.push(segment);
  });
  return `/${out.join("/")}`;
}

function safeNormalize(raw: string): string | undefined {
  try {
    return normalizeUri(raw);
  } catch {
    return undefined;
  }
}

/** `$1`..`$9` of an nginx replacement string; unmatched groups are empty. */
function substitute(replacement: string, groups: (string | undefined)[]): string {
  return replacement.replace(/\$(\d)/g, (_, n: string) => groups[Number(n)] ?? "");
}

/** A PCRE written for nginx (`(?i)` prefix allowed) as a JavaScript RegExp; the constructs used here mean the same in both. */
function pcre(pattern: string, caseInsensitive: boolean): RegExp {
  const inline = pattern.startsWith("(?i)");
  return new RegExp(inline ? pattern.slice(4) : pattern, caseInsensitive || inline ? "i" : "");
}

// -----------------------------------------------------------------------------------------------
// ingress-nginx
// -----------------------------------------------------------------------------------------------

const A = "nginx.ingress.kubernetes.io/";

interface NginxLocation {
  path: string;
  pathType: string;
  namespace: string;
  service: string;
  port: number;
  rewriteTarget?: string;
  useRegex: boolean;
  sslRedirect: boolean;
  ingress: string;
  exactOnly?: boolean;
}

function needsRewrite(l: NginxLocation): boolean {
  return l.rewriteTarget !== undefined && l.rewriteTarget !== "" && l.rewriteTarget !== l.path;
}

/** The locations ingress-nginx writes for one host, in the order it writes them. */
export function nginxLocations(ingresses: any[], host: string): { locations: NginxLocation[]; enforceRegex: boolean; tls: boolean } {
  const raw: NginxLocation[] = [];
  let tls = false;
  for (const ing of ingresses) {
    const a: Record<string, string> = ing.metadata?.annotations ?? {};
    if ((ing.spec.tls ?? []).some((t: any) => (t.hosts ?? []).includes(host))) tls = true;
    for (const rule of ing.spec.rules ?? []) {
      if (rule.host !== host) continue;
      for (const p of rule.http?.paths ?? []) {
        raw.push({
          path: p.path,
          pathType: p.pathType,
          namespace: ing.metadata.namespace,
          service: p.backend.service.name,
          port: p.backend.service.port.number,
          rewriteTarget: a[`${A}rewrite-target`],
          useRegex: a[`${A}use-regex`] === "true",
          sslRedirect: a[`${A}ssl-redirect`] !== "false",
          ingress: `${ing.metadata.namespace}/${ing.metadata.name}`,
        });
      }
    }
  }
  // updateServerLocations: Prefix paths without regex/rewrite get `path/` plus an Exact `path`.
  const exact = new Set(raw.filter((l) => l.pathType === "Exact").map((l) => l.path));
  const locations: NginxLocation[] = [];
  for (const l of raw) {
    if (l.path === "/" || l.pathType !== "Prefix" || needsRewrite(l) || l.useRegex) {
      locations.push(l);
      continue;
    }
    const normalized = l.path.endsWith("/") ? l.path : `${l.path}/`;
    locations.push({ ...l, path: normalized });
    if (!exact.has(l.path)) locations.push({ ...l, pathType: "Exact" });
  }
  // Every server has a catch-all `/` to the default backend (404) unless an Ingress defines one.
  if (!locations.some((l) => l.path === "/")) {
    locations.push({
      path: "/",
      pathType: "Prefix",
      namespace: "",
      service: "upstream-default-backend",
      port: 0,
      useRegex: false,
      sslRedirect: false,
      ingress: "default",
    });
  }
  const sorted = [...locations].sort((x, y) => (x.path > y.path ? -1 : x.path < y.path ? 1 : 0)).sort((x, y) => y.path.length - x.path.length);
  return { locations: sorted, enforceRegex: sorted.some((l) => needsRewrite(l) || l.useRegex), tls };
}

/** nginx's location selection among ingress-nginx's locations. */
function selectNginxLocation(locations: NginxLocation[], enforceRegex: boolean, uri: string): NginxLocation | undefined {
  if (enforceRegex) return locations.find((l) => pcre(`^${l.path}`, true).test(uri));
  const exact = locations.find((l) => l.pathType === "Exact" && l.path === uri);
  if (exact) return exact;
  const prefixes = locations.filter((l) => l.pathType !== "Exact" && uri.startsWith(l.path));
  return prefixes.sort((x, y) => y.path.length - x.path.length)[0];
}

/** Where ingress-nginx sends `GET <scheme>://<host><requestUri>` given the rendered Ingresses. */
export function routeThroughIngressNginx(ingresses: any[], request: { host: string; path: string; scheme?: "http" | "https" }): Outcome {
  const uri = safeNormalize(request.path);
  if (uri === undefined) return { kind: "bad-request" };
  const { locations, enforceRegex, tls } = nginxLocations(ingresses, request.host);
  const location = selectNginxLocation(locations, enforceRegex, uri);
  if (!location || location.service === "upstream-default-backend") return { kind: "not-found" };
  // ssl-redirect applies where the server has TLS, except no-tls-redirect-locations (default /.well-known/acme-challenge).
  if ((request.scheme ?? "https") === "http" && tls && location.sslRedirect && !uri.startsWith("/.well-known/acme-challenge")) {
    return { kind: "redirect", status: 308, location: `https://${request.host}${request.path}` };
  }
  let path = uri;
  if (needsRewrite(location)) {
    const m = pcre(`(?i)${location.path}`, true).exec(uri);
    if (m) path = substitute(location.rewriteTarget!, [...m]);
  } else {
    path = request.path.split("?")[0]!; // proxy_pass without a URI forwards the request URI as the client sent it
  }
  return { kind: "backend", namespace: location.namespace, service: location.service, port: location.port, path, via: location.ingress };
}

// -----------------------------------------------------------------------------------------------
// Gateway API (as NGINX Gateway Fabric implements it)
// -----------------------------------------------------------------------------------------------

function listenerAdmits(gateway: any, listener: any, route: any): boolean {
  const ns = route.metadata.namespace;
  const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
  if (from === "All") return true;
  if (from === "Same") return ns === gateway.metadata.namespace;
  if (from === "Selector") {
    const selector = listener.allowedRoutes.namespaces.selector ?? {};
    const labels = { "kubernetes.io/metadata.name": ns };
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => (labels as Record<string, string>)[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((e: any) => {
      const value = (labels as Record<string, string>)[e.key];
      if (e.operator === "In") return value !== undefined && e.values.includes(value);
      if (e.operator === "NotIn") return value === undefined || !e.values.includes(value);
      if (e.operator === "Exists") return value !== undefined;
      return value === undefined;
    });
    return byLabels && byExpressions;
  }
  return false;
}

function attaches(gateway: any, listenerName: string, route: any): boolean {
  const listener = gateway.spec.listeners.find((l: any) => l.name === listenerName);
  if (!listener) return false;
  return (route.spec.parentRefs ?? []).some(
    (p: any) =>
      (p.kind ?? "Gateway") === "Gateway" &&
      p.name === gateway.metadata.name &&
      (p.namespace ?? route.metadata.namespace) === gateway.metadata.namespace &&
      (p.sectionName === undefined || p.sectionName === listenerName) &&
      listenerAdmits(gateway, listener, route),
  );
}

/** PathPrefix: element-wise, a trailing `/` of the value ignored (HTTPPathMatch docs). */
function prefixMatches(value: string, path: string): boolean {
  const v = value.replace(/\/+$/, "");
  return v === "" || path === v || path.startsWith(`${v}/`);
}

/** NGF's nginx rewrite for ReplacePrefixMatch (servers.go createMainRewriteForFilters), on the request URI. */
function ngfReplacePrefix(prefix: string, replacement: string, requestUri: string): string {
  const filterPrefix = replacement === "" ? "/" : replacement;
  let regex = `^${prefix.replace(/\$/g, "\\$")}([^?]*)?`;
  let target = `${filterPrefix}$1`;
  if (filterPrefix.endsWith("/") && !prefix.endsWith("/")) regex = `^${prefix.replace(/\$/g, "\\$")}(?:/([^?]*))?`;
  if (prefix.endsWith("/") && !filterPrefix.endsWith("/")) target = `${filterPrefix}/$1`;
  const m = new RegExp(regex).exec(requestUri);
  return m ? substitute(target, [...m]) : requestUri;
}

/** Where a Gateway (and the HTTPRoutes given) sends a request arriving on a listener. */
export function routeThroughGateway(gateway: any, routes: any[], request: { listener: string; host: string; path: string }): Outcome {
  const uri = safeNormalize(request.path);
  if (uri === undefined) return { kind: "bad-request" };
  type Candidate = { route: any; rule: any; match: any; exact: boolean; length: number; order: number };
  const candidates: Candidate[] = [];
  for (const route of routes) {
    if (!attaches(gateway, request.listener, route)) continue;
    const hostnames: string[] = route.spec.hostnames ?? [];
    if (hostnames.length && !hostnames.includes(request.host)) continue;
    (route.spec.rules ?? []).forEach((rule: any, order: number) => {
      for (const match of rule.matches ?? [{ path: { type: "PathPrefix", value: "/" } }]) {
        const type = match.path?.type ?? "PathPrefix";
        const value = match.path?.value ?? "/";
        const hit = type === "Exact" ? uri === value : type === "PathPrefix" ? prefixMatches(value, uri) : false;
        if (hit) candidates.push({ route, rule, match, exact: type === "Exact", length: value.length, order });
      }
    });
  }
  if (candidates.length === 0) return { kind: "not-found" };
  const key = (r: any) => `${r.metadata.namespace}/${r.metadata.name}`;
  candidates.sort((x, y) => Number(y.exact) - Number(x.exact) || y.length - x.length || key(x.route).localeCompare(key(y.route)) || x.order - y.order);
  const { route, rule, match } = candidates[0]!;
  const filters: any[] = rule.filters ?? [];
  const redirect = filters.find((f) => f.type === "RequestRedirect")?.requestRedirect;
  if (redirect) {
    const scheme = redirect.scheme ?? "http";
    return { kind: "redirect", status: redirect.statusCode ?? 302, location: `${scheme}://${redirect.hostname ?? request.host}${request.path}` };
  }
  let path = request.path.split("?")[0]!;
  const rewrite = filters.find((f) => f.type === "URLRewrite")?.urlRewrite?.path;
  if (rewrite?.type === "ReplaceFullPath") path = rewrite.replaceFullPath;
  if (rewrite?.type === "ReplacePrefixMatch") path = ngfReplacePrefix(match.path.value, rewrite.replacePrefixMatch, request.path).split("?")[0]!;
  const backend = rule.backendRefs?.[0];
  if (!backend) return { kind: "not-found" };
  return { kind: "backend", namespace: backend.namespace ?? route.metadata.namespace, service: backend.name, port: backend.port, path, via: key(route) };
}
