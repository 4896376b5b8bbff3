#!/usr/bin/env bash
# Regenerates components/crds/ from the cert-manager CRDs with crd2pulumi, pinned to one cert-manager release.
# crd2pulumi (https://github.com/pulumi/crd2pulumi) is a Go binary from GitHub releases; where it cannot
# be installed the files in components/crds/ are maintained by hand in the same shape (see their headers).
set -euo pipefail
CERT_MANAGER_VERSION="v1.21.1"
cd "$(dirname "$0")/.."
if ! command -v crd2pulumi >/dev/null; then
  echo "crd2pulumi is not installed: see https://github.com/pulumi/crd2pulumi#installation" >&2
  exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL "https://github.com/cert-manager/cert-manager/releases/download/${CERT_MANAGER_VERSION}/cert-manager.crds.yaml" -o "$tmp/cert-manager.crds.yaml"
crd2pulumi --nodejsPath "$tmp/out" "$tmp/cert-manager.crds.yaml" --force
rm -rf components/crds/certmanager components/crds/types
cp -r "$tmp/out/certmanager" "$tmp/out/types" components/crds/
echo "components/crds/ regenerated from cert-manager ${CERT_MANAGER_VERSION}; run npm test"
