"""The Kubernetes manifests and Dockerfiles keep the promises of deploy/k8s/README.md.

Everything is read from disk with PyYAML; no cluster is needed. When `kubectl` is on the path the
overlays are also rendered with its built-in kustomize and the rendered objects checked again.
"""

from __future__ import annotations

import functools
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = ("dev", "prod")


# The libs/ folders a service's image installs, in order (deploy/Dockerfile's LIBS).
SERVICE_LIBS = ("libs/protos", "libs/common")


@dataclass(frozen=True)
class Svc:
    pkg: str
    grpc: int | None
    http: int | None
    db: bool
    folder: str
    libs: tuple[str, ...] = SERVICE_LIBS


# Ports and commands as in docs/conventions.md.
SERVICES: dict[str, Svc] = {
    "scheduler": Svc("scheduler", 50051, None, True, "services/scheduler"),
    "zoom-gateway": Svc("zoom_gateway", 50052, None, True, "services/zoom-gateway"),
    "recording-sync": Svc("recording_sync", 50053, None, True, "services/recording-sync"),
    "webhook-ingest": Svc("webhook_ingest", 50054, 8081, True, "services/webhook-ingest"),
    "edge": Svc("edge", None, 8080, False, "services/edge"),
}
ZOOM_SIM = Svc("zoomsim", None, 9090, False, "tools/zoom-sim", libs=())

ALLOWED_SECRETS: dict[str, set[str]] = {
    "classbridge-db": {"DATABASE_URL"},
    "classbridge-amqp": {"AMQP_URL"},
    "classbridge-auth": {"AUTH_JWT_SECRET"},
    "classbridge-service-auth": {"SERVICE_JWT_SECRET"},
    "zoom-credentials": {
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
        "ZOOM_WEBHOOK_SECRET_TOKENS",
        "ZOOM_TOKEN_ENCRYPTION_KEYS",
    },
    "webhook-ingest-secrets": {"OUTGOING_WEBHOOK_ENCRYPTION_KEYS"},
    "classbridge-s3": {
        "S3_ENDPOINT_URL",
        "S3_BUCKET",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
        "S3_REGION",
    },
}
SECRET_ENV_NAMES = set().union(*ALLOWED_SECRETS.values())
PRESTOP_SLEEP_SECONDS = 5
WORKLOAD_KINDS = {"Deployment", "Job", "StatefulSet", "DaemonSet"}


# --- loading -------------------------------------------------------------------------------------


def _load_docs(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [d for d in yaml.safe_load_all(fh) if d is not None]


def _kustomization_dirs() -> list[Path]:
    return sorted(p.parent for p in K8S.rglob("kustomization.yaml"))


def _kustomization(directory: Path) -> dict[str, Any]:
    (doc,) = _load_docs(directory / "kustomization.yaml")
    return doc


@functools.cache
def _resource_files() -> tuple[Path, ...]:
    """Every file some kustomization lists under `resources` (full objects, not patches)."""
    files: set[Path] = set()
    for directory in _kustomization_dirs():
        for entry in _kustomization(directory).get("resources", []):
            target = (directory / entry).resolve()
            if target.is_file():
                files.add(target)
    return tuple(sorted(files))


@functools.cache
def _objects() -> tuple[tuple[Path, dict[str, Any]], ...]:
    return tuple((f, doc) for f in _resource_files() for doc in _load_docs(f))


def _of_kind(kind: str, objects: Any = None) -> list[dict[str, Any]]:
    source = _objects() if objects is None else objects
    return [doc for _, doc in source if doc.get("kind") == kind]


def _named(kind: str, name: str, objects: Any = None) -> dict[str, Any]:
    found = [d for d in _of_kind(kind, objects) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def _containers(workload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = _pod_spec(workload)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def _port_number(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    for p in container.get("ports", []):
        if p.get("name") == port:
            return int(p["containerPort"])
    raise AssertionError(f"{container['name']}: no port named {port}")


def _probe_port(container: dict[str, Any], probe: dict[str, Any]) -> int:
    for handler in ("grpc", "httpGet", "tcpSocket"):
        if handler in probe:
            return _port_number(container, probe[handler]["port"])
    raise AssertionError(f"{container['name']}: probe without a handler: {probe}")


# --- the checks, shared by the files on disk and the rendered overlays ---------------------------


def _assert_hardened(workload: dict[str, Any]) -> None:
    name = f"{workload['kind']}/{workload['metadata']['name']}"
    spec = _pod_spec(workload)
    pod_sc = spec.get("securityContext", {})
    assert pod_sc.get("runAsNonRoot") is True, f"{name}: pod runAsNonRoot"
    assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: seccomp"
    assert spec.get("automountServiceAccountToken") is False, f"{name}: SA token mounted"
    tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    for c in _containers(workload):
        where = f"{name} container {c['name']}"
        sc = c.get("securityContext", {})
        assert sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation"
        assert sc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem"
        assert sc.get("privileged", False) is False, f"{where}: privileged"
        assert sc.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: capabilities"
        assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, f"{where}: non-root"
        assert sc.get("runAsUser", pod_sc.get("runAsUser", 1)) != 0, f"{where}: runs as uid 0"
        resources = c.get("resources", {})
        for part in ("requests", "limits"):
            for res in ("cpu", "memory"):
                assert res in resources.get(part, {}), f"{where}: no {part}.{res}"
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        assert mounts.get("/tmp") in tmp_volumes, f"{where}: no emptyDir on /tmp"
        _assert_secrets_by_reference(where, c)


def _assert_secrets_by_reference(where: str, container: dict[str, Any]) -> None:
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        if env["name"] in SECRET_ENV_NAMES:
            assert ref is not None, f"{where}: {env['name']} must come from a Secret"
        if ref is not None:
            assert ref["name"] in ALLOWED_SECRETS, f"{where}: unknown Secret {ref['name']}"
            assert ref["key"] in ALLOWED_SECRETS[ref["name"]], f"{where}: key {ref['key']}"
    for source in container.get("envFrom", []):
        assert "secretRef" not in source, f"{where}: envFrom a whole Secret"


def _assert_probed(deployment: dict[str, Any]) -> None:
    for c in _pod_spec(deployment)["containers"]:
        where = f"Deployment/{deployment['metadata']['name']} container {c['name']}"
        assert "readinessProbe" in c, f"{where}: no readinessProbe"
        assert "livenessProbe" in c, f"{where}: no livenessProbe"


# --- kustomizations ------------------------------------------------------------------------------


def test_every_kustomization_references_files_that_exist() -> None:
    dirs = _kustomization_dirs()
    assert {BASE, K8S / "overlays" / "dev", K8S / "overlays" / "prod"} <= set(dirs)
    for directory in dirs:
        k = _kustomization(directory)
        refs: list[str] = [*k.get("resources", []), *k.get("components", [])]
        refs += [p["path"] for p in k.get("patches", []) if "path" in p]
        for gen in k.get("configMapGenerator", []) + k.get("secretGenerator", []):
            refs += [*gen.get("envs", []), *(f.split("=")[-1] for f in gen.get("files", []))]
        for ref in refs:
            target = (directory / ref).resolve()
            assert target.exists(), f"{directory.relative_to(REPO)}: {ref} does not exist"
            if target.is_dir():
                assert (target / "kustomization.yaml").is_file(), f"{ref} is no kustomization"
        for component in k.get("components", []):
            kind = _kustomization((directory / component).resolve())["kind"]
            assert kind == "Component", f"{component} is listed as a component but is {kind}"


def test_every_yaml_file_under_deploy_is_used_or_a_kustomization() -> None:
    used = set(_resource_files())
    for directory in _kustomization_dirs():
        k = _kustomization(directory)
        used |= {(directory / p["path"]).resolve() for p in k.get("patches", []) if "path" in p}
        for gen in k.get("configMapGenerator", []):
            used |= {(directory / f.split("=")[-1]).resolve() for f in gen.get("files", [])}
    for f in K8S.rglob("*.yaml"):
        if f.name != "kustomization.yaml":
            assert f.resolve() in used, f"{f.relative_to(REPO)}: no kustomization refers to it"


def test_no_secret_values_are_committed() -> None:
    for f in K8S.rglob("*.yaml"):
        for doc in _load_docs(f):
            assert doc.get("kind") != "Secret", f"{f.relative_to(REPO)}: a Secret object"
            assert not doc.get("secretGenerator"), f"{f.relative_to(REPO)}: a secretGenerator"


# --- workloads -----------------------------------------------------------------------------------


def test_every_workload_container_is_hardened_and_bounded() -> None:
    workloads = [d for _, d in _objects() if d.get("kind") in WORKLOAD_KINDS]
    assert len(workloads) >= len(SERVICES) + 4  # services, their migration Jobs, components
    for workload in workloads:
        _assert_hardened(workload)


def test_every_deployment_has_readiness_and_liveness_probes() -> None:
    for deployment in _of_kind("Deployment"):
        _assert_probed(deployment)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_ports_and_probes_follow_conventions(name: str) -> None:
    svc = SERVICES[name]
    deployment = _named("Deployment", name)
    (c,) = _pod_spec(deployment)["containers"]
    assert c["image"] == f"classbridge/{name}"
    assert c["args"] == ["serve"]
    expected = {p for p in (svc.grpc, svc.http) if p}
    assert {p["containerPort"] for p in c["ports"]} == expected
    env = _env(c)
    if svc.grpc:
        assert env["GRPC_PORT"]["value"] == str(svc.grpc)
        # gRPC servers (webhook-ingest: its admin port) are probed with native gRPC probes
        for probe in ("readinessProbe", "livenessProbe"):
            assert c[probe]["grpc"]["port"] == svc.grpc, f"{name} {probe}"
    else:
        assert c["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert _probe_port(c, c["livenessProbe"]) == svc.http
    if svc.http:
        assert env["HTTP_PORT"]["value"] == str(svc.http)
    service = _named("Service", name)
    assert {p["port"] for p in service["spec"]["ports"]} == expected
    for p in service["spec"]["ports"]:
        assert _port_number(c, p["targetPort"]) == p["port"]
    assert service["spec"]["selector"].items() <= _pod_labels(deployment).items()


def _pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_its_companions(name: str) -> None:
    deployment = _named("Deployment", name)
    labels = _pod_labels(deployment)
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    assert _pod_spec(deployment)["serviceAccountName"] == name
    _named("ServiceAccount", name)
    pdb = _named("PodDisruptionBudget", name)
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = _named("HorizontalPodAutoscaler", name)
    assert hpa["spec"]["scaleTargetRef"]["name"] == name
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    policy = _named("NetworkPolicy", name)
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    spec = _pod_spec(deployment)
    assert spec["topologySpreadConstraints"], f"{name}: no topologySpreadConstraints"
    (c,) = spec["containers"]
    grace = int(_env(c)["SHUTDOWN_GRACE_SECONDS"]["value"])
    assert c["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", str(PRESTOP_SLEEP_SECONDS)]
    assert spec["terminationGracePeriodSeconds"] > grace + PRESTOP_SLEEP_SECONDS


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_network_policy_opens_exactly_the_service_ports(name: str) -> None:
    svc = SERVICES[name]
    policy = _named("NetworkPolicy", name)
    ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    if name == "edge":
        assert ports == {8080}
    else:
        assert ports == {p for p in (svc.grpc, svc.http) if p}


@pytest.mark.parametrize("name", sorted(n for n, s in SERVICES.items() if s.db))
def test_each_service_with_a_database_has_a_migration_job(name: str) -> None:
    svc = SERVICES[name]
    job = _named("Job", f"{name}-migrate")
    (c,) = _pod_spec(job)["containers"]
    assert c["image"] == f"classbridge/{name}"
    assert c["args"] == ["migrate"]
    env = _env(c)
    assert env["DB_SCHEMA"]["value"] == svc.pkg
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "classbridge-db"
    assert _pod_labels(job)["classbridge.io/postgres-client"] == "true"
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migration"
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"
    # the server's own policies and PDB must not select the migration pods
    assert _pod_labels(job)["app.kubernetes.io/name"] != name


def test_webhook_ingest_keeps_two_replicas_and_one_available() -> None:
    assert _named("HorizontalPodAutoscaler", "webhook-ingest")["spec"]["minReplicas"] >= 2
    assert _named("PodDisruptionBudget", "webhook-ingest")["spec"]["minAvailable"] == 1


def test_namespace_denies_all_traffic_by_default() -> None:
    deny = _named("NetworkPolicy", "default-deny-all")
    assert deny["spec"]["podSelector"] == {}
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny["spec"]
    assert "egress" not in deny["spec"]


def test_keda_component_replaces_the_recording_sync_cpu_hpa() -> None:
    component = K8S / "components" / "keda-recording-sync"
    scaled = _named("ScaledObject", "recording-sync")
    assert {t["type"] for t in scaled["spec"]["triggers"]} == {"rabbitmq", "cpu"}
    (patch,) = _load_docs(component / "delete-cpu-hpa.yaml")
    assert patch["$patch"] == "delete"
    assert patch["metadata"]["name"] == "recording-sync"
    prod = _kustomization(K8S / "overlays" / "prod")
    assert "../../components/keda-recording-sync" in prod["components"]
    assert "../../components/keda-recording-sync" not in _kustomization(BASE).get("components", [])


# --- rendered overlays ---------------------------------------------------------------------------


@functools.cache
def _render(overlay: str) -> tuple[tuple[Path, dict[str, Any]], ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the overlays were checked file by file only")
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return tuple((Path(overlay), d) for d in yaml.safe_load_all(out) if d)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_overlay_keeps_every_invariant(overlay: str) -> None:
    objects = _render(overlay)
    kinds = {d["kind"] for _, d in objects}
    assert "Secret" not in kinds
    for _, doc in objects:
        assert doc["metadata"].get("namespace", "classbridge") == "classbridge"
        if doc["kind"] in WORKLOAD_KINDS:
            _assert_hardened(doc)
            image = next(iter(_containers(doc)))["image"]
            if image.startswith(("classbridge/", "registry.example.com/")):
                assert re.search(r"(:[\w.-]+|@sha256:[0-9a-f]{64})$", image), image
        if doc["kind"] == "Deployment":
            _assert_probed(doc)
    for name in SERVICES:
        _named("Deployment", name, objects)
        _named("PodDisruptionBudget", name, objects)
        _named("NetworkPolicy", name, objects)


def test_rendered_dev_runs_one_replica_with_the_simulator() -> None:
    objects = _render("dev")
    for hpa in _of_kind("HorizontalPodAutoscaler", objects):
        assert hpa["spec"]["minReplicas"] == 1
    assert "maxUnavailable" in _named("PodDisruptionBudget", "webhook-ingest", objects)["spec"]
    _named("Deployment", "zoom-sim", objects)
    _named("Cluster", "classbridge-postgres", objects)
    _named("RabbitmqCluster", "classbridge-rabbitmq", objects)
    images = {c["image"] for d in _of_kind("Deployment", objects) for c in _containers(d)}
    assert {f"classbridge/{n}:dev" for n in SERVICES} <= images


def test_rendered_prod_scales_recording_sync_with_keda_only() -> None:
    objects = _render("prod")
    hpas = {h["metadata"]["name"] for h in _of_kind("HorizontalPodAutoscaler", objects)}
    assert "recording-sync" not in hpas
    assert hpas == set(SERVICES) - {"recording-sync"}
    _named("ScaledObject", "recording-sync", objects)
    for hpa in _of_kind("HorizontalPodAutoscaler", objects):
        assert hpa["spec"]["minReplicas"] >= 3
    assert "zoom-sim" not in {d["metadata"]["name"] for d in _of_kind("Deployment", objects)}


# --- Dockerfiles ---------------------------------------------------------------------------------

DOCKERFILE = REPO / "deploy" / "Dockerfile"
LAUNCHER = "/opt/venv/bin/classbridge"
BUILD_ARGS = {"PROGRAM", "PROGRAM_DIR", "PYTHON_PACKAGE", "LIBS", "PORTS", "DESCRIPTION"}
PROGRAMS: dict[str, Svc] = {**SERVICES, "zoom-sim": ZOOM_SIM}


def _stages(dockerfile: Path) -> list[list[str]]:
    """The instructions of each build stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def _instructions(stage: list[str], keyword: str) -> list[str]:
    return [line.split(None, 1)[1] for line in stage if line.split(None, 1)[0].upper() == keyword]


def _args(stage: list[str]) -> set[str]:
    return {a.split("=", 1)[0] for a in _instructions(stage, "ARG")}


def _check_run(stage: list[str]) -> str:
    """The builder's RUN that validates the build arguments (pure shell: no side effects)."""
    (run,) = [r for r in _instructions(stage, "RUN") if "${PROGRAM:?" in r]
    return run


@functools.cache
def _build_lines() -> dict[str, dict[str, Any]]:
    """deploy/k8s/README.md's `docker build -f deploy/Dockerfile` lines, by PROGRAM."""
    text = (K8S / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Images\n", 1)[1].split("\n## ", 1)[0]
    lines: dict[str, dict[str, Any]] = {}
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for line in re.sub(r"\\\n", " ", block).splitlines():
            if not line.startswith("docker build"):
                continue
            words = shlex.split(line)[2:]
            build: dict[str, Any] = {"args": {}, "file": None, "tag": None, "context": None}
            while words:
                word = words.pop(0)
                if word in ("-f", "--file"):
                    build["file"] = words.pop(0)
                elif word in ("-t", "--tag"):
                    build["tag"] = words.pop(0)
                elif word == "--build-arg":
                    key, _, value = words.pop(0).partition("=")
                    assert key not in build["args"], f"{key} given twice: {line}"
                    build["args"][key] = value
                else:
                    assert build["context"] is None, f"unexpected {word!r}: {line}"
                    build["context"] = word
            program = build["args"].get("PROGRAM")
            assert program not in lines, f"two build lines for {program}"
            lines[program] = build
    return lines


def test_one_shared_dockerfile_and_no_copies() -> None:
    assert DOCKERFILE.is_file()
    for svc in PROGRAMS.values():
        assert not (REPO / svc.folder / "Dockerfile").exists(), f"{svc.folder}/Dockerfile is back"
    assert sorted(REPO.glob("services/*/Dockerfile")) == []
    assert sorted(REPO.glob("tools/*/Dockerfile")) == []


def test_shared_dockerfile_builds_a_slim_non_root_image() -> None:
    stages = _stages(DOCKERFILE)
    assert len(stages) == 2, "builder + runtime"
    assert all(_instructions(s, "FROM")[0].split()[0] == "python:3.11-slim" for s in stages)
    builder, final = stages
    assert _instructions(builder, "FROM")[0].split()[1:] == ["AS", "builder"]

    # builder: exactly the program and its libs, constrained to the lock, bytecode compiled
    assert _args(builder) == BUILD_ARGS
    copies = _instructions(builder, "COPY")
    assert copies == ["requirements.lock ./", "libs/ libs/", "${PROGRAM_DIR}/ ${PROGRAM_DIR}/"]
    runs = _instructions(builder, "RUN")
    assert any(
        "grep -Ev '^[[:space:]]*-e[[:space:]]' requirements.lock > constraints.txt" in r
        for r in runs
    ), "editable lines dropped from the constraints"
    (install,) = [r for r in runs if " install " in r]
    assert "python -m venv --without-pip /opt/venv" in install
    assert "pip --python /opt/venv/bin/python install --compile --constraint constraints.txt" in (
        install
    )
    assert '"$@" "./$PROGRAM_DIR"' in install, "only the program and the LIBS collected in $@"
    assert re.search(r"for lib in \$LIBS; do .*libs/\*\)", install), "LIBS limited to libs/"
    assert ".__main__" in install, "the package must be runnable as python -m"
    # the launcher is the entrypoint: exec (python is PID 1), arguments passed through unsplit
    assert (
        'printf \'#!/bin/sh\\nexec /opt/venv/bin/python -m %s "$@"\\n\' "$PYTHON_PACKAGE"'
        f" > {LAUNCHER}" in install
    )
    assert f"chmod 0755 {LAUNCHER}" in install

    # runtime: the environment only, non-root, nothing to build with
    assert _args(final) == {"PROGRAM", "DESCRIPTION", "PORTS"}
    assert _instructions(final, "COPY") == [
        "--from=builder /opt/venv /opt/venv",
        "--from=builder /app /app",
    ]
    env = " ".join(_instructions(final, "ENV"))
    for setting in ("PYTHONDONTWRITEBYTECODE=1", "PATH=/opt/venv/bin:$PATH", "HOME=/tmp"):
        assert setting in env
    assert "--uid 10001 --gid 10001" in " ".join(_instructions(final, "RUN"))
    assert _instructions(final, "USER") == ["10001:10001"]
    assert _instructions(final, "WORKDIR") == ["/app"]
    assert _instructions(final, "ENTRYPOINT") == [f'["{LAUNCHER}"]']
    assert _instructions(final, "CMD") == ['["serve"]']
    assert _instructions(final, "EXPOSE") == ["${PORTS}"]
    labels = " ".join(_instructions(final, "LABEL"))
    assert 'org.opencontainers.image.title="classbridge-${PROGRAM}"' in labels
    assert 'org.opencontainers.image.description="${DESCRIPTION}"' in labels
    final_runs = " ".join(_instructions(final, "RUN"))
    for tool in ("apt-get", "gcc", "build-essential", "pip"):
        assert tool not in final_runs, f"{tool} in the runtime stage"


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_each_program_has_its_build_line(name: str) -> None:
    svc = PROGRAMS[name]
    build = _build_lines().get(name)
    assert build is not None, f"no `docker build` line for {name} in deploy/k8s/README.md"
    assert build["file"] == "deploy/Dockerfile"
    assert build["context"] == "."
    assert build["tag"] == f"classbridge/{name}:dev"
    images = {
        c["image"] for c in _named("Deployment", name)["spec"]["template"]["spec"]["containers"]
    }
    assert images == {f"classbridge/{name}"}, "the image the manifests run"
    args = build["args"]
    assert set(args) == BUILD_ARGS
    assert args["PROGRAM_DIR"] == svc.folder
    assert (REPO / svc.folder / "pyproject.toml").is_file()
    assert args["PYTHON_PACKAGE"] == svc.pkg
    assert (REPO / svc.folder / "src" / svc.pkg / "__main__.py").is_file()
    assert tuple(args["LIBS"].split()) == svc.libs
    assert all((REPO / lib / "pyproject.toml").is_file() for lib in svc.libs)
    assert {int(p) for p in args["PORTS"].split()} == {p for p in (svc.grpc, svc.http) if p}
    assert args["DESCRIPTION"].startswith("Classbridge ")
    # the Dockerfile's own argument checks accept the line
    env = {"PATH": "/usr/bin:/bin", **args}
    run = subprocess.run(["/bin/sh", "-c", _check_run(_stages(DOCKERFILE)[0])], env=env)
    assert run.returncode == 0


@pytest.mark.parametrize(
    ("arg", "value"),
    [
        ("PROGRAM", ""),
        ("PROGRAM_DIR", ""),
        ("PYTHON_PACKAGE", ""),
        ("PYTHON_PACKAGE", "scheduler; rm -rf /"),
        ("PYTHON_PACKAGE", "scheduler."),
        ("PORTS", ""),
        ("PORTS", "50051/tcp"),
        ("DESCRIPTION", ""),
    ],
)
def test_dockerfile_rejects_a_missing_or_malformed_build_arg(arg: str, value: str) -> None:
    args = {**_build_lines()["scheduler"]["args"], arg: value}
    env = {"PATH": "/usr/bin:/bin", **args}
    run = subprocess.run(
        ["/bin/sh", "-c", _check_run(_stages(DOCKERFILE)[0])], env=env, capture_output=True
    )
    assert run.returncode != 0
    assert arg.encode() in run.stderr


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", "tests", "**/__pycache__"} <= ignored
    assert not ({"libs", "services", "tools", "requirements.lock"} & ignored)


def test_webhook_relay_runs_as_its_own_deployment_in_production_manifests() -> None:
    (serve,) = _pod_spec(_named("Deployment", "webhook-ingest"))["containers"]
    assert _env(serve)["WEBHOOK_RELAY_IN_PROCESS"]["value"] == "false"
    relay = _named("Deployment", "webhook-ingest-relay")
    (c,) = _pod_spec(relay)["containers"]
    assert c["image"] == "classbridge/webhook-ingest"
    assert c["args"] == ["relay"]
    assert relay["spec"]["replicas"] >= 2
    for probe in ("readinessProbe", "livenessProbe"):
        assert c[probe]["grpc"]["port"] == int(_env(c)["GRPC_PORT"]["value"])
    labels = _pod_labels(relay)
    # Neither the server's Deployment, PDB nor NetworkPolicy selects the relay's pods.
    assert labels["app.kubernetes.io/name"] != "webhook-ingest"
    assert labels["classbridge.io/postgres-client"] == "true"
    assert labels["classbridge.io/amqp-client"] == "true"
    for overlay in OVERLAYS:
        if shutil.which("kubectl"):
            _named("Deployment", "webhook-ingest-relay", _render(overlay))


def test_outgoing_webhooks_are_sent_by_their_own_deployment_in_production_manifests() -> None:
    (serve,) = _pod_spec(_named("Deployment", "webhook-ingest"))["containers"]
    assert _env(serve)["OUTGOING_WEBHOOK_WORKER_IN_PROCESS"]["value"] == "false"
    deliver = _named("Deployment", "webhook-ingest-deliver")
    (c,) = _pod_spec(deliver)["containers"]
    assert c["image"] == "classbridge/webhook-ingest"
    assert c["args"] == ["deliver"]
    assert deliver["spec"]["replicas"] >= 2
    for probe in ("readinessProbe", "livenessProbe"):
        assert c[probe]["grpc"]["port"] == int(_env(c)["GRPC_PORT"]["value"])
    for container in (serve, c):
        key = _env(container)["OUTGOING_WEBHOOK_ENCRYPTION_KEYS"]["valueFrom"]["secretKeyRef"]
        assert key["name"] == "webhook-ingest-secrets"
    labels = _pod_labels(deliver)
    assert labels["app.kubernetes.io/name"] != "webhook-ingest"
    assert labels["classbridge.io/postgres-client"] == "true"
    assert labels["classbridge.io/amqp-client"] == "true"
    # Egress to course platforms: public addresses on 443 only, never private or link-local.
    policy = _named("NetworkPolicy", "webhook-ingest-deliver")
    assert policy["spec"]["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "webhook-ingest-deliver",
        "app.kubernetes.io/component": "deliver",
    }
    (rule,) = policy["spec"]["egress"]
    (block,) = rule["to"]
    assert block["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"} <= set(
        block["ipBlock"]["except"]
    )
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]
