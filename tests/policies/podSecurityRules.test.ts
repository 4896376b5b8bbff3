import { strict as assert } from "node:assert";
import { baselineProblems, restrictedProblems } from "../../policies/podSecurity";

/**
 * Pod Security Standards rule by rule (#23), after https://kubernetes.io/docs/concepts/security/pod-security-standards/:
 * one field changed from a pod that meets "restricted", and the exact problem it adds.
 */
const good = () => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
  containers: [{ name: "app", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
  volumes: [
    { name: "data", persistentVolumeClaim: { claimName: "x" } },
    { name: "tmp", emptyDir: {} },
  ],
});
const app = (pod: any) => pod.containers[0].securityContext;

describe("Pod Security Standards, rule by rule (#23)", () => {
  it("a restricted pod has no problem at either level", () => {
    assert.deepEqual(restrictedProblems(good()), []);
    assert.deepEqual(baselineProblems(good()), []);
  });

  it("restricted: volumes, escalation, capabilities, root, seccomp", () => {
    const one = (change: (p: any) => void) => {
      const p = good();
      change(p);
      return restrictedProblems(p);
    };
    assert.deepEqual(
      one((p) => p.volumes.push({ name: "nfs", nfs: { server: "x", path: "/" } })),
      ["volume nfs is nfs"],
    );
    for (const kind of ["configMap", "csi", "downwardAPI", "ephemeral", "projected", "secret"])
      assert.deepEqual(
        one((p) => p.volumes.push({ name: "v", [kind]: {} })),
        [],
        kind,
      );
    assert.deepEqual(
      one((p) => delete app(p).allowPrivilegeEscalation),
      ["container app allows privilege escalation"],
    );
    assert.deepEqual(
      one((p) => (app(p).capabilities.drop = ["NET_RAW"])),
      ["container app does not drop ALL capabilities"],
    );
    assert.deepEqual(
      one((p) => (app(p).capabilities.add = ["NET_BIND_SERVICE"])),
      [],
    );
    assert.deepEqual(
      one((p) => (app(p).capabilities.add = ["CHOWN", "NET_BIND_SERVICE"])),
      ["container app adds CHOWN"],
    );
    assert.deepEqual(
      one((p) => (p.securityContext.runAsNonRoot = false)),
      ["container app may run as root"],
    );
    assert.deepEqual(
      one((p) => ((app(p).runAsNonRoot = true), delete p.securityContext.runAsNonRoot)),
      [],
      "the container's own setting counts",
    );
    assert.deepEqual(
      one((p) => (p.securityContext.runAsUser = 0)),
      ["container app runs as UID 0"],
    );
    assert.deepEqual(
      one((p) => (app(p).runAsUser = 0)),
      ["container app runs as UID 0"],
    );
    assert.deepEqual(
      one((p) => delete p.securityContext.seccompProfile),
      ["container app has no RuntimeDefault seccomp profile"],
    );
    assert.deepEqual(
      one((p) => (p.securityContext.seccompProfile.type = "Localhost")),
      [],
    );
    assert.deepEqual(
      one((p) => ((app(p).seccompProfile = { type: "RuntimeDefault" }), delete p.securityContext.seccompProfile)),
      [],
    );
    assert.deepEqual(
      one((p) => (p.initContainers = [{ name: "init", securityContext: { ...app(p) } }])),
      [],
    );
    assert.deepEqual(
      one((p) => (p.initContainers = [{ name: "init" }])),
      ["container init allows privilege escalation", "container init does not drop ALL capabilities"],
    );
  });

  it("baseline: host namespaces and paths, sysctls, seccomp/AppArmor/SELinux, privileged, capabilities, procMount, host ports", () => {
    const one = (change: (p: any) => void) => {
      const p = good();
      change(p);
      return baselineProblems(p);
    };
    for (const ns of ["hostNetwork", "hostPID", "hostIPC"])
      assert.deepEqual(
        one((p) => (p[ns] = true)),
        ["uses host namespaces"],
        ns,
      );
    assert.deepEqual(
      one((p) => (p.securityContext.windowsOptions = { hostProcess: true })),
      ["is a Windows HostProcess pod"],
    );
    assert.deepEqual(
      one((p) => (app(p).windowsOptions = { hostProcess: true })),
      ["container app is a Windows HostProcess container"],
    );
    assert.deepEqual(
      one((p) => p.volumes.push({ name: "root", hostPath: { path: "/" } })),
      ["volume root is hostPath"],
    );
    assert.deepEqual(
      one((p) => (p.securityContext.sysctls = [{ name: "net.ipv4.tcp_syncookies" }, { name: "kernel.msgmax" }, { name: "vm.swappiness" }])),
      ["sets unsafe sysctls kernel.msgmax,vm.swappiness"],
    );
    assert.deepEqual(
      one((p) => (p.securityContext.seccompProfile.type = "Unconfined")),
      ["pod has seccomp Unconfined"],
    );
    assert.deepEqual(
      one((p) => (app(p).appArmorProfile = { type: "Unconfined" })),
      ["container app has AppArmor Unconfined"],
    );
    assert.deepEqual(
      one((p) => (app(p).seLinuxOptions = { type: "container_t" })),
      [],
    );
    assert.deepEqual(
      one((p) => (app(p).seLinuxOptions = { type: "spc_t" })),
      ["container app sets a custom SELinux user, role or type"],
    );
    assert.deepEqual(
      one((p) => (app(p).seLinuxOptions = { user: "system_u" })),
      ["container app sets a custom SELinux user, role or type"],
    );
    assert.deepEqual(
      one((p) => (app(p).seLinuxOptions = { role: "sysadm_r" })),
      ["container app sets a custom SELinux user, role or type"],
    );
    assert.deepEqual(
      one((p) => (app(p).privileged = true)),
      ["container app is privileged"],
    );
    assert.deepEqual(
      one((p) => (app(p).capabilities.add = ["NET_ADMIN", "CHOWN", "SYS_ADMIN"])),
      ["container app adds NET_ADMIN,SYS_ADMIN"],
    );
    assert.deepEqual(
      one((p) => (app(p).procMount = "Unmasked")),
      ["container app uses procMount Unmasked"],
    );
    assert.deepEqual(
      one((p) => (app(p).procMount = "Default")),
      [],
    );
    assert.deepEqual(
      one((p) => (p.containers[0].ports = [{ containerPort: 80 }, { containerPort: 443, hostPort: 443 }])),
      ["container app binds host port 443"],
    );
    assert.deepEqual(
      one((p) => (p.ephemeralContainers = [{ name: "debug", securityContext: { privileged: true } }])),
      ["container debug is privileged"],
    );
  });
});
