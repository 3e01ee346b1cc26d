"""The Kubernetes manifests (deploy/k8s) as `kubectl kustomize` renders them: valid objects,
and the properties the deployment relies on (docs/kubernetes.md). `make manifests` runs the
same rendering and validation from the shell, with the Dockerfile's lint.

Needs kubectl (Debian package `kubectl`): without it these tests skip, except in CI, where
they fail."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = ["base", "overlays/production"]
KUBERNETES_VERSION = "1.30.0"  # the oldest the manifests are meant for
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# What the Secret holds (secret.example.env): never in a ConfigMap.
SECRET_KEYS = {
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "METRICS_TOKEN",
    "SENTRY_DSN",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
}
# Set one by one on a container (`env: value`), not in the ConfigMap: settings of that pod alone.
POD_SETTINGS = {"PROMETHEUS_MULTIPROC_DIR", "CELERY_METRICS_PORT"}
# The namespace Prometheus scrapes from (networkpolicy.yaml, the overlay's patch).
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}
# The parts the pre-rollout step leaves out (deploy.sh: `kubectl apply -l ...`).
ROLLOUT_COMPONENTS = {"web", "worker", "beat"}


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        message = "kubectl is not installed (Debian package kubectl): cannot render deploy/k8s"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def render(kustomization: str) -> list[dict[str, Any]]:
    result = subprocess.run(  # noqa: S603 - kubectl on our own files
        [kubectl(), "kustomize", str(K8S / kustomization)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [obj for obj in yaml.safe_load_all(result.stdout) if obj]


@pytest.fixture(scope="module", params=KUSTOMIZATIONS)
def objects(request) -> list[dict[str, Any]]:
    return render(request.param)


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return render("overlays/production")


def named(objects, kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def workloads(objects) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] in {"Deployment", "Job"}]


def containers(workload) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def env_of(container) -> dict[str, str]:
    return {v["name"]: v["value"] for v in container.get("env", []) if "value" in v}


def volume_at(workload, container, path: str) -> dict[str, Any]:
    """The volume mounted at ``path``, and the mount's own fields under ``"mount"``."""
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == path]
    volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
    return {**volumes[mount["name"]], "mount": mount}


def settings_of(objects) -> dict[str, str]:
    (config_map,) = [o for o in objects if o["kind"] == "ConfigMap"]
    return config_map["data"]


def test_every_object_is_valid_for_kubernetes(objects):
    kinds = set()
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        kinds.add(obj["kind"])
    assert kinds >= {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    }


def test_the_validation_refuses_an_unknown_field(production):
    web = named(production, "Deployment", "skillsmatrix-web")
    broken = {**web, "spec": {**web["spec"], "replica": 1}}
    with pytest.raises(kubernetes_validate.ValidationError, match="replica"):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_beat_is_one_replica_recreated_never_two(objects):
    beat = named(objects, "Deployment", "skillsmatrix-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    # A budget would block node drains for a single pod: beat has none.
    pdbs = [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    assert all("beat" not in str(pdb["spec"]["selector"]) for pdb in pdbs)
    # Its lock (skillsmatrix/beat.py) lives on the broker's Redis, which the Secret names.
    assert "BEAT_LOCK_URL" not in settings_of(objects)


def test_every_container_is_limited_and_runs_unprivileged(objects):
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] >= 1000, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in containers(workload):
            where = f"{name}/{container['name']}"
            resources = container["resources"]
            assert set(resources["limits"]) >= {"cpu", "memory"}, where
            assert set(resources["requests"]) >= {"cpu", "memory"}, where
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            # The only writable places: /tmp (and web's and the worker's metrics directory),
            # emptyDirs of bounded size.
            mounts = container["volumeMounts"]
            assert "/tmp" in [m["mountPath"] for m in mounts], where  # noqa: S108 - an emptyDir
            for mount in mounts:
                assert volumes[mount["name"]]["emptyDir"]["sizeLimit"], where


def test_web_is_probed_on_healthz_and_readyz_as_the_ingress_would_ask(objects):
    web = named(objects, "Deployment", "skillsmatrix-web")
    (container,) = containers(web)
    port = container["ports"][0]["name"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    allowed_hosts = settings_of(objects)["DJANGO_ALLOWED_HOSTS"].split(",")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = container[probe]["httpGet"]
        assert get["port"] == port
        headers = {h["name"]: h["value"] for h in get["httpHeaders"]}
        # An allowed host (not the pod's address, a 400) over "HTTPS" (not the SSL redirect).
        assert headers["Host"] in allowed_hosts
        assert headers["X-Forwarded-Proto"] == "https"
    # /readyz answers within READYZ_TIMEOUT (1.5 s): the probe waits longer than that.
    assert container["readinessProbe"]["timeoutSeconds"] >= 2


def test_settings_come_from_the_config_map_and_secrets_only_from_the_secret(objects):
    settings = settings_of(objects)
    assert not SECRET_KEYS & set(settings)
    for key, value in settings.items():
        assert not re.search(r"://[^/@\s]*:[^/@\s]*@", value), f"{key} carries a password"
        assert not re.search(r"(SECRET|PASSWORD|TOKEN|DSN)", key), f"{key} looks secret"
    (config_map,) = [o for o in objects if o["kind"] == "ConfigMap"]
    for workload in workloads(objects):
        for container in containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            sources = container["envFrom"]
            assert {"configMapRef": {"name": config_map["metadata"]["name"]}} in sources, where
            assert {"secretRef": {"name": "skillsmatrix"}} in sources, where
            # Anything else set one by one: a pod's own setting (never a secret), or from the
            # Secret (an overlay's patch).
            for variable in container.get("env", []):
                if "value" in variable:
                    assert variable["name"] in POD_SETTINGS - SECRET_KEYS, where
                else:
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "skillsmatrix", where
    assert not [o for o in objects if o["kind"] == "Secret"]  # made by the operator


def test_every_setting_named_is_one_the_app_reads(objects):
    read = set(re.findall(r'env_\w+\(\s*"(\w+)"', (ROOT / "skillsmatrix/settings.py").read_text()))
    # prometheus_client's directory, read before Django's settings (skillsmatrix/metrics.py).
    read |= set(
        re.findall(r'environ\.get\("(\w+)"', (ROOT / "skillsmatrix/metrics.py").read_text())
    )
    assert {
        "METRICS_TOKEN",
        "SENTRY_DSN",
        "CELERY_METRICS_PORT",
        "PROMETHEUS_MULTIPROC_DIR",
    } <= read
    for path in [K8S / "base/settings.env", K8S / "base/secret.example.env"]:
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                key = line.split("=", 1)[0]
                assert key in read, f"{path.name}: {key} is read by nobody"
    for workload in workloads(objects):
        for container in containers(workload):
            for variable in container.get("env", []):
                assert variable["name"] in read, f"{workload['metadata']['name']}: {variable}"
    secret_example = (K8S / "base/secret.example.env").read_text()
    assert set(re.findall(r"^(\w+)=", secret_example, flags=re.MULTILINE)) == SECRET_KEYS


def test_production_runs_a_pinned_image_on_its_own_host(production):
    images = {c["image"] for w in workloads(production) for c in containers(w)}
    (image,) = images  # one release: web, worker, beat and migrate alike
    assert not image.endswith(":latest")
    assert ":" in image.rsplit("/", 1)[-1]
    ingress = named(production, "Ingress", "skillsmatrix-web")
    host = ingress["spec"]["rules"][0]["host"]
    assert ingress["spec"]["tls"][0]["hosts"] == [host]
    settings = settings_of(production)
    assert host in settings["DJANGO_ALLOWED_HOSTS"].split(",")
    assert settings["SITE_URL"] == f"https://{host}"
    assert settings["DJANGO_CSRF_TRUSTED_ORIGINS"] == f"https://{host}"
    assert {o["metadata"].get("namespace") for o in production if o["kind"] != "Namespace"} == {
        "skillsmatrix"
    }


def test_production_scales_web_between_its_bounds(production):
    hpa = named(production, "HorizontalPodAutoscaler", "skillsmatrix-web")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "skillsmatrix-web"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    # The autoscaler owns the count: an applied one would reset it at every deploy.
    assert "replicas" not in named(production, "Deployment", "skillsmatrix-web")["spec"]
    pdb = named(production, "PodDisruptionBudget", "skillsmatrix-web")
    assert pdb["spec"]["maxUnavailable"] < hpa["spec"]["minReplicas"]


def expression_matches(expression: dict[str, Any], labels: dict[str, str]) -> bool:
    key, operator = expression["key"], expression["operator"]
    if operator in {"Exists", "DoesNotExist"}:
        return (key in labels) == (operator == "Exists")
    return (labels.get(key) in expression["values"]) == (operator == "In")


def labels_match(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A label selector: its ``matchLabels`` and ``matchExpressions``, or bare labels (a
    Service's selector)."""
    if not {"matchLabels", "matchExpressions"} & set(selector):
        selector = {"matchLabels": selector}
    return all(
        labels.get(key) == value for key, value in selector.get("matchLabels", {}).items()
    ) and all(expression_matches(e, labels) for e in selector.get("matchExpressions", []))


def test_services_budgets_and_policies_select_the_pods_they_mean(objects):
    pods = {
        w["metadata"]["name"]: w["spec"]["template"]["metadata"]["labels"]
        for w in workloads(objects)
    }

    def selected(selector: dict[str, str]) -> set[str]:
        return {name for name, labels in pods.items() if labels_match(selector, labels)}

    service = named(objects, "Service", "skillsmatrix-web")
    assert selected(service["spec"]["selector"]) == {"skillsmatrix-web"}
    for component in ("web", "worker"):
        pdb = named(objects, "PodDisruptionBudget", f"skillsmatrix-{component}")
        assert selected(pdb["spec"]["selector"]) == {f"skillsmatrix-{component}"}
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    everything = set(pods)
    deny = policies["skillsmatrix-default-deny"]
    assert selected(deny["podSelector"]) == everything
    assert deny["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny
    # Only web (from the ingress controller) and Prometheus' scrapes are let in.
    accepting = {
        name
        for name, spec in policies.items()
        if spec.get("ingress") and "Ingress" in spec["policyTypes"]
    }
    assert accepting == {"skillsmatrix-web-ingress", "skillsmatrix-monitoring-ingress"}
    web_in = policies["skillsmatrix-web-ingress"]
    assert selected(web_in["podSelector"]) == {"skillsmatrix-web"}
    (rule,) = web_in["ingress"]
    assert [p["port"] for p in rule["ports"]] == ["http"]
    namespaces = [s["namespaceSelector"]["matchLabels"] for s in rule["from"]]
    assert namespaces == [{"kubernetes.io/metadata.name": "ingress-nginx"}]
    # Out: DNS (to kube-dns only), and the database, PgBouncer, Redis, SMTP and HTTPS ports.
    egress = policies["skillsmatrix-egress"]
    assert selected(egress["podSelector"]) == everything
    dns, servers = egress["egress"]
    assert dns["to"][0]["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}
    assert {p["port"] for p in dns["ports"]} == {53}
    assert {p["port"] for p in servers["ports"]} == {5432, 6432, 6379, 587, 465, 443}


def test_the_pre_rollout_step_applies_the_job_and_what_it_needs_but_no_deployment(production):
    # deploy.sh applies `app.kubernetes.io/component notin (web,worker,beat)` first: objects
    # without the label match too.
    first = {
        (o["kind"], o["metadata"]["name"])
        for o in production
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        not in ROLLOUT_COMPONENTS
    }
    kinds = {kind for kind, _ in first}
    assert ("Job", "skillsmatrix-migrate") in first
    assert {"Namespace", "ConfigMap", "ServiceAccount", "NetworkPolicy"} <= kinds
    assert not kinds & {"Deployment", "HorizontalPodAutoscaler", "Service", "Ingress"}
    deploy_script = (K8S / "deploy.sh").read_text()
    assert "app.kubernetes.io/component notin (web,worker,beat)" in deploy_script


def test_the_migration_job_checks_the_settings_then_migrates_once(production):
    job = named(production, "Job", "skillsmatrix-migrate")
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert [c["command"][1:3] for c in pod["initContainers"]] == [["manage.py", "check"]]
    assert "--deploy" in pod["initContainers"][0]["command"]
    assert [c["command"][1:3] for c in pod["containers"]] == [["manage.py", "migrate"]]
    assert job["spec"]["activeDeadlineSeconds"] > 0


def test_web_and_worker_keep_their_metrics_in_a_writable_directory_of_their_own(objects):
    for name in ("skillsmatrix-web", "skillsmatrix-worker"):
        workload = named(objects, "Deployment", name)
        (container,) = containers(workload)
        directory = env_of(container)["PROMETHEUS_MULTIPROC_DIR"]
        assert not directory.startswith("/tmp"), name  # noqa: S108 - not inside /tmp's volume
        volume = volume_at(workload, container, directory)
        # The root filesystem is read-only: a writable emptyDir, in memory, of bounded size.
        assert not volume["mount"].get("readOnly", False), name
        assert volume["emptyDir"]["medium"] == "Memory", name
        assert volume["emptyDir"]["sizeLimit"], name
        # Not shared with /tmp (uploads could fill it) nor with another container.
        assert volume_at(workload, container, "/tmp")["name"] != volume["name"], name  # noqa: S108


def test_the_worker_serves_its_metrics_on_a_named_port_prometheus_is_told_of(objects):
    worker = named(objects, "Deployment", "skillsmatrix-worker")
    (container,) = containers(worker)
    port = int(env_of(container)["CELERY_METRICS_PORT"])
    assert {"name": "metrics", "containerPort": port, "protocol": "TCP"} in container["ports"]
    annotations = worker["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] == "/metrics"
    web = named(objects, "Deployment", "skillsmatrix-web")
    (web_container,) = containers(web)
    web_annotations = web["spec"]["template"]["metadata"]["annotations"]
    assert web_annotations["prometheus.io/port"] == str(web_container["ports"][0]["containerPort"])
    assert web_annotations["prometheus.io/path"] == "/metrics"
    # Beat and migrate serve nothing and are not scraped.
    for name in ("skillsmatrix-beat", "skillsmatrix-migrate"):
        workload = next(w for w in workloads(objects) if w["metadata"]["name"] == name)
        assert "annotations" not in workload["spec"]["template"]["metadata"], name
        assert "CELERY_METRICS_PORT" not in str(containers(workload)), name


def test_the_monitoring_namespace_reaches_web_and_the_worker_metrics_port_only(objects):
    policy = named(objects, "NetworkPolicy", "skillsmatrix-monitoring-ingress")["spec"]
    pods = {w["metadata"]["name"]: w for w in workloads(objects)}
    selected = {
        name
        for name, w in pods.items()
        if labels_match(policy["podSelector"], w["spec"]["template"]["metadata"]["labels"])
    }
    assert selected == {"skillsmatrix-web", "skillsmatrix-worker"}
    assert policy["policyTypes"] == ["Ingress"]
    (rule,) = policy["ingress"]
    (source,) = rule["from"]
    assert source["namespaceSelector"]["matchLabels"] == MONITORING
    assert {(p["port"], p["protocol"]) for p in rule["ports"]} == {
        ("http", "TCP"),
        ("metrics", "TCP"),
    }
    # Each named port resolves in one of the two pods only: web is reached on http, the worker
    # on its metrics port, and nothing else of either.
    ports_of = {
        name: {p["name"] for c in containers(pods[name]) for p in c.get("ports", [])}
        for name in selected
    }
    assert ports_of == {"skillsmatrix-web": {"http"}, "skillsmatrix-worker": {"metrics"}}
    # Applied before the rollout, with the default deny (no component label).
    labels = named(objects, "NetworkPolicy", "skillsmatrix-monitoring-ingress")["metadata"][
        "labels"
    ]
    assert "app.kubernetes.io/component" not in labels
