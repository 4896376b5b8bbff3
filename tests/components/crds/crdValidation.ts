import Ajv, { type ValidateFunction } from "ajv";
import { crdSchema } from "../../../components/crds/schemas";

/**
 * Validation of rendered custom resources as the API server would do it: the CRD's openAPIV3Schema
 * (extracted from the pinned upstream CRD, components/crds/schemas) through a JSON-Schema validator,
 * plus the CEL rules (x-kubernetes-validations) of those CRDs that the objects here can break,
 * reimplemented one by one — a JSON-Schema validator cannot run CEL. Each rule below names the CRD
 * message it stands for.
 */
const compiled = new Map<string, ValidateFunction>();

export function crdSchemaErrors(obj: Record<string, any>): string[] {
  const crd = crdSchema(String(obj.apiVersion), String(obj.kind));
  if (!crd) return [`no CRD schema for ${obj.apiVersion} ${obj.kind}`];
  const key = `${obj.apiVersion}/${obj.kind}`;
  const validate = compiled.get(key) ?? new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(crd.openAPIV3Schema);
  compiled.set(key, validate);
  const schema = validate(obj) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
  return [...schema, ...celErrors(obj)];
}

const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;
const NOT_REPEATED = ["CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"];

function celErrors(obj: Record<string, any>): string[] {
  const errors: string[] = [];
  const spec = obj.spec ?? {};
  if (obj.kind === "HTTPRoute") {
    const rules: any[] = spec.rules ?? [];
    if (rules.reduce((n, r) => n + (r.matches?.length ?? 1), 0) > 128)
      errors.push("the total number of matches across all rules in a route must be less than 128");
    rules.forEach((rule, i) => {
      const filters: any[] = rule.filters ?? [];
      const types = filters.map((f) => f.type);
      for (const t of NOT_REPEATED) if (types.filter((x) => x === t).length > 1) errors.push(`rules[${i}]: ${t} filter cannot be repeated`);
      if (types.includes("RequestRedirect") && types.includes("URLRewrite"))
        errors.push(`rules[${i}]: May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both`);
      if (types.includes("RequestRedirect") && (rule.backendRefs?.length ?? 0) > 0)
        errors.push(`rules[${i}]: RequestRedirect filter must not be used together with backendRefs`);
      for (const f of filters) {
        const key = {
          CORS: "cors",
          RequestHeaderModifier: "requestHeaderModifier",
          ResponseHeaderModifier: "responseHeaderModifier",
          RequestRedirect: "requestRedirect",
          URLRewrite: "urlRewrite",
        }[f.type as string];
        if (key && f[key] === undefined) errors.push(`rules[${i}]: filter.${key} must be specified for ${f.type} filter.type`);
        const path = f.urlRewrite?.path ?? f.requestRedirect?.path;
        if (path?.replacePrefixMatch !== undefined) {
          const prefixMatches = (rule.matches ?? []).filter((m: any) => m.path?.type === "PathPrefix");
          if ((rule.matches ?? []).length !== 1 || prefixMatches.length !== 1)
            errors.push(`rules[${i}]: When using ${f.type} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`);
          if (path.type !== "ReplacePrefixMatch") errors.push(`rules[${i}]: type must be 'ReplacePrefixMatch' when replacePrefixMatch is set`);
        }
        if (path?.replaceFullPath !== undefined && path.type !== "ReplaceFullPath")
          errors.push(`rules[${i}]: type must be 'ReplaceFullPath' when replaceFullPath is set`);
        const cors = f.cors;
        for (const list of ["allowOrigins", "allowMethods", "allowHeaders"]) {
          if (cors?.[list]?.includes("*") && cors[list].length > 1) errors.push(`rules[${i}]: ${list} cannot contain '*' alongside other values`);
        }
      }
      (rule.matches ?? []).forEach((m: any, j: number) => {
        const p = m.path;
        if (!p || !["Exact", "PathPrefix"].includes(p.type ?? "PathPrefix")) return;
        const v: string = p.value ?? "/";
        if (!v.startsWith("/")) errors.push(`rules[${i}].matches[${j}]: value must be an absolute path and start with '/'`);
        for (const bad of ["//", "/./", "/../", "%2f", "%2F", "#"]) if (v.includes(bad)) errors.push(`rules[${i}].matches[${j}]: must not contain '${bad}'`);
        if (v.endsWith("/..") || v.endsWith("/.")) errors.push(`rules[${i}].matches[${j}]: must not end with '/..' or '/.'`);
        if (!PATH_CHARS.test(v)) errors.push(`rules[${i}].matches[${j}]: must only contain valid characters`);
      });
      for (const b of rule.backendRefs ?? [])
        if ((b.kind ?? "Service") === "Service" && (b.group ?? "") === "" && b.port === undefined)
          errors.push(`rules[${i}]: Must have port for Service reference`);
    });
  }
  if (obj.kind === "Gateway") {
    const listeners: any[] = spec.listeners ?? [];
    const names = listeners.map((l) => l.name);
    if (new Set(names).size !== names.length) errors.push("Listener name must be unique within the Gateway");
    const combos = listeners.map((l) => `${l.port}/${l.protocol}/${l.hostname ?? ""}`);
    if (new Set(combos).size !== combos.length) errors.push("Combination of port, protocol and hostname must be unique for each listener");
    for (const l of listeners) {
      if (["HTTP", "TCP", "UDP"].includes(l.protocol) && l.tls)
        errors.push(`listener ${l.name}: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']`);
      if (l.protocol === "HTTPS" && (l.tls?.mode ?? "Terminate") !== "Terminate")
        errors.push(`listener ${l.name}: tls mode must be Terminate for protocol HTTPS`);
      if (l.tls && (l.tls.mode ?? "Terminate") === "Terminate" && !(l.tls.certificateRefs?.length || l.tls.options))
        errors.push(`listener ${l.name}: certificateRefs or options must be specified when mode is Terminate`);
    }
  }
  if (String(obj.apiVersion).startsWith("gateway.nginx.org/")) {
    const targets: any[] = spec.targetRefs ?? (spec.targetRef ? [spec.targetRef] : []);
    for (const t of targets) {
      if (!["Gateway", "HTTPRoute", "GRPCRoute"].includes(t.kind)) errors.push("TargetRef Kind must be one of: Gateway, HTTPRoute, or GRPCRoute");
      if (t.group !== "gateway.networking.k8s.io") errors.push("TargetRef Group must be gateway.networking.k8s.io");
    }
    if (targets.some((t) => t.kind === "Gateway") && targets.some((t) => t.kind !== "Gateway"))
      errors.push("Cannot mix Gateway kind with HTTPRoute or GRPCRoute kinds");
    for (const r of spec.rateLimit?.local?.rules ?? [])
      if (r.noDelay === true && r.delay !== undefined) errors.push("NoDelay cannot be true when Delay is also set");
  }
  return errors;
}
