#!/usr/bin/env bash
# Deploy a release: its migrations first, then the app. Usage, from anywhere:
#   deploy/k8s/deploy.sh deploy/k8s/overlays/production
# With the kubectl context (cluster, credentials) set as for any kubectl command.
#
# 1. Delete the previous release's migration Job (a Job's pod template cannot change).
# 2. Apply everything but the Deployments, the Service, the Ingress, the autoscaler and the
#    budgets: the namespace, settings, service account, network policies and the new Job.
# 3. Wait for the Job: if it fails (or the deploy check in it does), stop here; the running
#    release goes on serving, on a database its code still understands (migrations expand
#    first, docs/deploy.md).
# 4. Apply everything: the Deployments roll out on the migrated database.
set -euo pipefail
overlay="${1:?usage: deploy.sh OVERLAY_DIRECTORY}"
timeout="${MIGRATE_TIMEOUT:-900s}"
app_parts='app.kubernetes.io/component notin (web,worker,beat)'

namespace="$(kubectl kustomize "$overlay" | awk '/^  namespace: / {print $2; exit}')"
namespace="${namespace:-$(kubectl config view --minify -o jsonpath='{..namespace}')}"
namespace="${namespace:-default}"
echo "== $overlay into namespace $namespace"

echo "== migrations"
kubectl -n "$namespace" delete job skillsmatrix-migrate --ignore-not-found --wait=true
kubectl apply -k "$overlay" --selector "$app_parts"
# Complete or failed, whichever comes first.
deadline=$((SECONDS + ${timeout%s}))
while :; do
  state="$(kubectl -n "$namespace" get job skillsmatrix-migrate \
    -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')"
  case " $state " in
    *" Complete "*) break ;;
    *" Failed "*)
      kubectl -n "$namespace" logs job/skillsmatrix-migrate --all-containers --tail=50 || true
      echo "the migration Job failed: nothing rolled out" >&2
      exit 1 ;;
  esac
  if ((SECONDS > deadline)); then
    echo "the migration Job did not finish within $timeout: nothing rolled out" >&2
    exit 1
  fi
  sleep 5
done

echo "== rollout"
kubectl apply -k "$overlay"
for name in web worker beat; do
  kubectl -n "$namespace" rollout status "deployment/skillsmatrix-$name" --timeout=10m
done
