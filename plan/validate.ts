import Ajv, { type ValidateFunction } from "ajv";
import { crdSchema } from "../components/crds/schemas";

/** Where kubernetes-models keeps the schema of each API group. */
const PACKAGES: Record<string, string> = {
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "acme.cert-manager.io": "@kubernetes-models/cert-manager",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "generators.external-secrets.io": "@kubernetes-models/external-secrets",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};

export interface SchemaProblem {
  object: string;
  message: string;
}

function modulePath(apiVersion: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (!group) return `kubernetes-models/${version}`;
  return `${PACKAGES[group!] ?? "kubernetes-models"}/${group}/${version}`;
}

/**
 * Validates every object against the Kubernetes OpenAPI schema or its CRD's schema
 * (kubernetes-models). An object whose kind has no known schema is a problem too.
 */
const crdValidators = new Map<string, ValidateFunction>();

export async function validateObjects(objects: Record<string, any>[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  for (const obj of objects) {
    const label = `${obj.kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata?.name}`;
    let model: (new (o: unknown) => { validate(): void }) | undefined;
    try {
      const mod = (await import(modulePath(String(obj.apiVersion)))) as Record<string, new (o: unknown) => { validate(): void }>;
      model = mod[obj.kind];
    } catch {
      model = undefined;
    }
    if (!model) {
      // CRDs kubernetes-models has no package for (NGINX Gateway Fabric's policies): their upstream schema.
      const crd = crdSchema(String(obj.apiVersion), String(obj.kind));
      if (crd) {
        const key = `${obj.apiVersion}/${obj.kind}`;
        const validate = crdValidators.get(key) ?? new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(crd.openAPIV3Schema);
        crdValidators.set(key, validate);
        if (!validate(obj)) problems.push({ object: label, message: (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ") });
        continue;
      }
      problems.push({ object: label, message: `no schema known for ${obj.apiVersion} ${obj.kind}` });
      continue;
    }
    try {
      new model(obj).validate();
    } catch (error) {
      problems.push({ object: label, message: error instanceof Error ? error.message.split("\n").slice(0, 4).join(" ") : String(error) });
    }
  }
  return problems;
}
