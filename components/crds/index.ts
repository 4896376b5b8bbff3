// Typed custom resources in crd2pulumi's layout (see scripts/regen-crds.sh): cert-manager
// (cert-manager.io/v1), the Gateway API (gateway.networking.k8s.io/v1) and NGINX Gateway Fabric's
// policies (gateway.nginx.org/v1alpha1) — both gateway groups land in crd2pulumi's `gateway` module.
import * as certmanager from "./certmanager";
import * as gateway from "./gateway";
import * as types from "./types";

export { certmanager, gateway, types };
