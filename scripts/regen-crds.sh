#!/usr/bin/env bash
# Regenerates components/crds/ with crd2pulumi from the CRDs of the pinned releases: cert-manager,
# the Gateway API (standard channel) and NGINX Gateway Fabric's policies; and re-extracts each CRD's
# openAPIV3Schema into components/crds/schemas/ (the schemas tests and the offline plan validate with).
# crd2pulumi (https://github.com/pulumi/crd2pulumi) is a Go binary from GitHub releases; where it cannot
# be installed the files in components/crds/ are maintained by hand in the same shape (see their headers).
set -euo pipefail
CERT_MANAGER_VERSION="v1.21.1"
GATEWAY_API_VERSION="v1.5.1"
NGF_VERSION="v2.6.7"
cd "$(dirname "$0")/.."
for tool in crd2pulumi curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (crd2pulumi: https://github.com/pulumi/crd2pulumi#installation)" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "https://github.com/cert-manager/cert-manager/releases/download/${CERT_MANAGER_VERSION}/cert-manager.crds.yaml" -o "$tmp/cert-manager.crds.yaml"
gw="https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/${GATEWAY_API_VERSION}/config/crd/standard"
curl -fsSL "$gw/gateway.networking.k8s.io_gateways.yaml" -o "$tmp/gateways.yaml"
curl -fsSL "$gw/gateway.networking.k8s.io_httproutes.yaml" -o "$tmp/httproutes.yaml"
ngf="https://raw.githubusercontent.com/nginx/nginx-gateway-fabric/${NGF_VERSION}/config/crd/bases"
for crd in ratelimitpolicies clientsettingspolicies proxysettingspolicies; do
  curl -fsSL "$ngf/gateway.nginx.org_${crd}.yaml" -o "$tmp/${crd}.yaml"
done
crd2pulumi --nodejsPath "$tmp/out" "$tmp"/*.yaml --force
rm -rf components/crds/certmanager components/crds/gateway components/crds/types
cp -r "$tmp/out/certmanager" "$tmp/out/gateway" "$tmp/out/types" components/crds/
# The schemas: spec.versions[served].schema.openAPIV3Schema, string descriptions dropped.
python3 - "$tmp" "$GATEWAY_API_VERSION" "$NGF_VERSION" <<'PY'
import json, sys, yaml
tmp, gw, ngf = sys.argv[1:]
def strip(o):
    if isinstance(o, dict): return {k: strip(v) for k, v in o.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(o, list): return [strip(v) for v in o]
    return o
for name, repo, tag, path, version in [
    ("gateways", "kubernetes-sigs/gateway-api", gw, "config/crd/standard/gateway.networking.k8s.io_gateways.yaml", "v1"),
    ("httproutes", "kubernetes-sigs/gateway-api", gw, "config/crd/standard/gateway.networking.k8s.io_httproutes.yaml", "v1"),
    ("ratelimitpolicies", "nginx/nginx-gateway-fabric", ngf, "config/crd/bases/gateway.nginx.org_ratelimitpolicies.yaml", "v1alpha1"),
    ("clientsettingspolicies", "nginx/nginx-gateway-fabric", ngf, "config/crd/bases/gateway.nginx.org_clientsettingspolicies.yaml", "v1alpha1"),
    ("proxysettingspolicies", "nginx/nginx-gateway-fabric", ngf, "config/crd/bases/gateway.nginx.org_proxysettingspolicies.yaml", "v1alpha1"),
]:
    crd = yaml.safe_load(open(f"{tmp}/{name}.yaml"))
    v = next(x for x in crd["spec"]["versions"] if x["name"] == version)
    out = {"source": f"https://github.com/{repo} tag {tag}, {path}: spec.versions[name={version}].schema.openAPIV3Schema, string-valued description fields removed (nothing else changed)",
           "group": crd["spec"]["group"], "version": version, "kind": crd["spec"]["names"]["kind"], "openAPIV3Schema": strip(v["schema"]["openAPIV3Schema"])}
    open(f"components/crds/schemas/{out['kind']}.{out['group']}.{version}.json", "w").write(json.dumps(out, separators=(",", ":")) + "\n")
PY
echo "components/crds/ regenerated (cert-manager ${CERT_MANAGER_VERSION}, Gateway API ${GATEWAY_API_VERSION}, NGF ${NGF_VERSION}); run npm test"
