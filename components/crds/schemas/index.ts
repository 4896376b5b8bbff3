import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The openAPIV3Schema of the CRDs this package renders objects of, extracted from the upstream CRD files
 * of the pinned releases (each JSON file names its source: repository, tag, path; only the string
 * `description` fields were dropped). The same schema the API server validates these objects with,
 * minus its CEL rules (x-kubernetes-validations), so tests and the offline plan can check rendered
 * objects with a JSON-Schema validator.
 */
export const CRD_SCHEMA_FILES: Record<string, string> = {
  "gateway.networking.k8s.io/v1/Gateway": "Gateway.gateway.networking.k8s.io.v1.json",
  "gateway.networking.k8s.io/v1/HTTPRoute": "HTTPRoute.gateway.networking.k8s.io.v1.json",
  "gateway.nginx.org/v1alpha1/RateLimitPolicy": "RateLimitPolicy.gateway.nginx.org.v1alpha1.json",
  "gateway.nginx.org/v1alpha1/ClientSettingsPolicy": "ClientSettingsPolicy.gateway.nginx.org.v1alpha1.json",
  "gateway.nginx.org/v1alpha1/ProxySettingsPolicy": "ProxySettingsPolicy.gateway.nginx.org.v1alpha1.json",
  "keda.sh/v1alpha1/ScaledObject": "ScaledObject.keda.sh.v1alpha1.json",
};

export interface CrdSchema {
  source: string;
  group: string;
  version: string;
  kind: string;
  openAPIV3Schema: Record<string, unknown>;
}

/** The CRD schema of `apiVersion` + `kind`, or undefined when this package has none. */
export function crdSchema(apiVersion: string, kind: string): CrdSchema | undefined {
  const file = CRD_SCHEMA_FILES[`${apiVersion}/${kind}`];
  return file ? (JSON.parse(readFileSync(join(__dirname, file), "utf8")) as CrdSchema) : undefined;
}
