#!/usr/bin/python3
"""Checks the Kubernetes manifests in deploy/k8s without a cluster.

No kubectl or schema validator is packaged for Debian 12, so this checks
what a typo would break: every file parses as YAML and is listed in the
kustomization; every object has apiVersion, kind and a name; a Deployment's
selector matches its pod labels and its containers have names and images;
Services select pods that exist and name ports those pods declare; the
ConfigMap holds the same settings as deploy/tessera.conf; and every
TESSERA_<PROGRAM>_<FLAG> variable names a real flag, which the programs in
build/ are asked about.

    /usr/bin/python3 tests/docker/k8s_check.py
"""

import os
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S = os.path.join(ROOT, "deploy", "k8s")
PROGRAMS = {"MASTER": "build/master/tessera-master",
            "WORKER": "build/worker/tessera-worker"}

errors = []


def error(where, message):
    errors.append(f"{where}: {message}")


def settings(text):
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def check_env(where, env):
    for variable in env:
        name = variable.get("name", "")
        if "value" not in variable and "valueFrom" not in variable:
            error(where, f"env {name} has neither value nor valueFrom")
        for program, binary in PROGRAMS.items():
            prefix = f"TESSERA_{program}_"
            if not name.startswith(prefix):
                continue
            value = variable.get("value", "probe")
            result = subprocess.run(
                [os.path.join(ROOT, binary), "--helpshort"],
                env={**os.environ, name: str(value)}, capture_output=True,
                text=True)
            if result.returncode == 2:
                error(where, result.stderr.strip())


def check_deployment(where, doc, pods):
    spec = doc.get("spec", {})
    selector = spec.get("selector", {}).get("matchLabels", {})
    template = spec.get("template", {})
    labels = template.get("metadata", {}).get("labels", {})
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        error(where, f"selector {selector} does not match pod labels {labels}")
    ports = set()
    containers = template.get("spec", {}).get("containers", [])
    if not containers:
        error(where, "no containers")
    for container in containers:
        if not container.get("name") or not container.get("image"):
            error(where, "a container lacks a name or an image")
        ports |= {p.get("name") for p in container.get("ports", [])}
        ports |= {p.get("containerPort") for p in container.get("ports", [])}
        check_env(f"{where} container {container.get('name')}",
                  container.get("env", []))
    pods.append((labels, ports))


def main():
    kustomization = yaml.safe_load(
        open(os.path.join(K8S, "kustomization.yaml")))
    listed = set(kustomization.get("resources", []))
    on_disk = {f for f in os.listdir(K8S)
               if f.endswith(".yaml") and f != "kustomization.yaml"}
    for missing in sorted(on_disk - listed):
        error("kustomization.yaml", f"{missing} is not listed in resources")
    for absent in sorted(listed - on_disk):
        error("kustomization.yaml", f"lists {absent}, which does not exist")

    pods, services = [], []
    conf = open(os.path.join(ROOT, "deploy", "tessera.conf")).read()
    for name in sorted(on_disk):
        try:
            docs = [d for d in yaml.safe_load_all(open(os.path.join(K8S, name)))
                    if d is not None]
        except yaml.YAMLError as e:
            error(name, f"not YAML: {e}")
            continue
        for doc in docs:
            where = f"{name} {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
            for key in ("apiVersion", "kind"):
                if not doc.get(key):
                    error(where, f"no {key}")
            if not doc.get("metadata", {}).get("name"):
                error(where, "no metadata.name")
            if doc.get("kind") == "Deployment":
                check_deployment(where, doc, pods)
            elif doc.get("kind") == "Service":
                services.append((where, doc))
            elif doc.get("kind") == "ConfigMap":
                if settings(doc["data"]["tessera.conf"]) != settings(conf):
                    error(where, "tessera.conf differs from deploy/tessera.conf")

    for where, service in services:
        selector = service["spec"].get("selector", {})
        matching = [ports for labels, ports in pods
                    if all(labels.get(k) == v for k, v in selector.items())]
        if not matching:
            error(where, f"selects no pod ({selector})")
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port.get("port"))
            if matching and not any(target in ports for ports in matching):
                error(where, f"targetPort {target} is no port of its pods")

    if errors:
        print("\n".join(f"k8s_check: {e}" for e in errors), file=sys.stderr)
        return 1
    print(f"k8s_check: {len(on_disk)} manifests OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
