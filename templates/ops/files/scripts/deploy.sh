#!/bin/sh
# Deploys every service of <%= projectName %> to one environment: its compose stack, or its Kubernetes
# namespace.
#
#   sh scripts/deploy.sh <staging|production> <image-tag|previous>
#
# Both CI pipelines call it, so a deploy is the same whichever CI runs it.
#   DEPLOY_TARGET    compose (the default) or kubernetes
#   IMAGE_PREFIX     registry path the images were pushed under: $IMAGE_PREFIX/<service>:<image-tag>
#
# compose: drives docker-compose (v1 or v2) against the Docker engine in DOCKER_HOST (ssh://user@host, or
# tcp://host:2376 with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), set by the CI per environment; it refuses to
# run without one, so it never deploys to the CI agent's own engine by accident. Images are pulled with the
# credentials of a `docker login` done before.
#   DEPLOY_ENV_FILE  optional: the environment's secrets in .env format (the variables of
#                    .env.example); without it they must be in the environment
#   COMPOSE_PROJECT_NAME  default <%= projectName %>-<environment>
#
# kubernetes: renders deploy/k8s/overlays/<environment> with kustomize, on a copy with the image tags set (the
# checkout is never edited), and applies it with kubectl to the context KUBE_CONTEXT of the kubeconfig, set by
# the CI per environment; it refuses to run without one, for the same reason. Before applying it deletes the
# finished <service>-migrate Jobs (a Job's pod template cannot change, and the new image must migrate), and
# after it waits for every migration and rollout. See deploy/k8s/README.md.
#   K8S_SECRET_<NAME>  path of the filled-in secrets/<name>.env of the overlay (NAME upper-case, - as _), for
#                    each secrets/<name>.env.sample whose <name>.env is not in the checkout (staging)
#   ROLLOUT_TIMEOUT  default 300s: how long each migration and each rollout may take
#
# `previous` redeploys the tag that ran before the last deploy: every deploy records the tag it deployed and
# the tag it replaced (labels on the containers, annotations on the Deployments), so the environment itself
# remembers, whichever CI or person deployed. Rolling back twice therefore returns to the tag rolled back from.
set -eu

SERVICES="<%= serviceList.map((s) => s.name).join(' ') %>"
LABEL=startup-backend

usage() {
  echo "usage: sh scripts/deploy.sh <staging|production> <image-tag|previous>" >&2
  exit 2
}

fail() {
  echo "deploy.sh: $*" >&2
  exit 1
}

# What makes $1 no image tag, or nothing: Docker's tag grammar, which also keeps a value plain inside
# the files this script writes (the tag argument and the tags read back from labels and annotations).
not_a_tag() {
  case $1 in
    "" | [.-]* | *[!A-Za-z0-9_.-]*) echo "not an image tag: '$1'" ;;
    *) [ ${#1} -le 128 ] || echo "not an image tag (over 128 characters): '$1'" ;;
  esac
}

[ $# -eq 2 ] || usage
environment=$1
tag=$2
case $environment in
  staging | production) ;;
  *) usage ;;
esac
problem=$(not_a_tag "$tag")
[ -z "$problem" ] || fail "$problem"
target=${DEPLOY_TARGET:-compose}
case $target in
  compose)
    [ -n "${DOCKER_HOST:-}" ] || fail "set DOCKER_HOST to the $environment Docker engine (a CI variable of that environment)"
    ;;
  kubernetes)
    [ -n "${KUBE_CONTEXT:-}" ] || fail "set KUBE_CONTEXT to the kubeconfig context of the $environment cluster (a CI variable of that environment)"
    for tool in kubectl kustomize; do
      command -v "$tool" >/dev/null 2>&1 || fail "$tool is not on PATH: DEPLOY_TARGET=kubernetes needs kubectl and kustomize"
    done
    timeout=${ROLLOUT_TIMEOUT:-300s}
    case $timeout in
      "" | *[!0-9smh]* | [!0-9]*) fail "ROLLOUT_TIMEOUT is not a duration such as 300s or 10m: '$timeout'" ;;
    esac
    ;;
  *) fail "DEPLOY_TARGET is '$target': set it to compose or kubernetes" ;;
esac
[ -n "${IMAGE_PREFIX:-}" ] || fail "set IMAGE_PREFIX to the registry path the images were pushed under"
case $IMAGE_PREFIX in
  *[!a-z0-9._/:-]*) fail "IMAGE_PREFIX is not a lower-case image reference: '$IMAGE_PREFIX'" ;;
esac
if [ -n "${DEPLOY_ENV_FILE:-}" ] && [ ! -r "$DEPLOY_ENV_FILE" ]; then
  fail "DEPLOY_ENV_FILE=$DEPLOY_ENV_FILE cannot be read"
fi

cd "$(dirname "$0")/.."
project=${COMPOSE_PROJECT_NAME:-<%= projectName %>-$environment}
namespace=<%= projectName %>-$environment
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

compose() {
  if [ -n "${DEPLOY_ENV_FILE:-}" ]; then
    docker-compose --env-file "$DEPLOY_ENV_FILE" -p "$project" "$@"
  else
    docker-compose -p "$project" "$@"
  fi
}

kube() {
  kubectl --context "$KUBE_CONTEXT" --namespace "$namespace" "$@"
}

# What the environment recorded as $2 for service $1: a label of its running container, or an annotation of its
# Deployment; nothing when there is none. Errors are passed on with `|| exit 1` because command substitutions do
# not inherit `set -e` in every shell.
recorded() {
  if [ "$target" = kubernetes ]; then
    value=$(kube get deployment "$1" --ignore-not-found \
      -o "go-template={{with .metadata.annotations}}{{index . \"$LABEL/$2\"}}{{end}}") || exit 1
  else
    ids=$(compose -f docker-compose.yml ps -q "$1") || exit 1
    id=$(printf '%s\n' "$ids" | head -n 1)
    [ -n "$id" ] || return 0
    value=$(docker inspect --format "{{ index .Config.Labels \"$LABEL.$2\" }}" "$id") || exit 1
  fi
  # No record, or the empty one a first deploy records as the tag before it: nothing recorded.
  [ "$value" != "<no value>" ] && [ -n "$value" ] || return 0
  # Anyone with access to the environment can change them: a value that is no tag never reaches a file.
  problem=$(not_a_tag "$value")
  [ -z "$problem" ] || fail "the $2 recorded for $1 in $environment is $problem: name the tag to deploy, and check who changed it"
  printf '%s' "$value"
}

# The record $1 when every service carries the same value, else nothing: after a deploy that failed
# half-way there is no single tag to return to.
common_record() {
  common=
  for service in $SERVICES; do
    value=$(recorded "$service" "$1") || exit 1
    [ -n "$value" ] || return 0
    if [ -z "$common" ]; then
      common=$value
    elif [ "$common" != "$value" ]; then
      return 0
    fi
  done
  printf '%s' "$common"
}

deploy_compose() {
  override=$work/override.yml
  {
    echo "services:"
    for service in $SERVICES; do
      echo "  $service:"
      echo "    image: \"$IMAGE_PREFIX/$service:$tag\""
      echo "    labels:"
      echo "      $LABEL.image-tag: \"$tag\""
      echo "      $LABEL.previous-image-tag: \"$previous\""
      # Its migration job runs the same image first (compose starts it as a dependency, and waits).
      echo "  $service-migrate:"
      echo "    image: \"$IMAGE_PREFIX/$service:$tag\""
    done
  } >"$override"
  # Word splitting of $SERVICES is wanted: one argument per service.
  # shellcheck disable=SC2086
  {
    compose -f docker-compose.yml -f "$override" config -q
    compose -f docker-compose.yml -f "$override" pull $SERVICES
    compose -f docker-compose.yml -f "$override" up -d --no-build $SERVICES
  }
}

# Each overlay Secret kustomize generates from a secrets/<name>.env the checkout lacks is copied in from the file
# named by K8S_SECRET_<NAME>.
copy_generated_secrets() {
  for sample in "$1"/secrets/*.env.sample; do
    [ -e "$sample" ] || continue
    file=${sample%.sample}
    [ ! -e "$file" ] || continue
    name=$(basename "$file" .env)
    variable=K8S_SECRET_$(printf '%s' "$name" | tr 'a-z-' 'A-Z_')
    eval "source_file=\${$variable:-}"
    [ -n "$source_file" ] || fail "set $variable to the path of the filled-in deploy/k8s/overlays/$environment/secrets/$name.env (a CI file variable of that environment)"
    [ -r "$source_file" ] || fail "$variable=$source_file cannot be read"
    cp "$source_file" "$file"
  done
}

# What the two readers of kustomize's output below share (one document per resource, keys sorted): the kind of
# the document a line is in, and whether the line is in its metadata.
# shellcheck disable=SC2016 # awk's fields ($2), not the shell's
manifest_awk='
    function unquoted(value) { gsub(/"/, "", value); return value }
    /^kind:/ { kind = unquoted($2) }
    /^[a-z]/ { inmeta = ($1 == "metadata:") }
'

# The Secrets the manifests in $1 read, neither optional nor among those manifests: the cluster must have them.
secrets_required() {
  awk "$manifest_awk"'
    function flush() { if (inref && ref != "" && !optional) wanted[ref] = 1; inref = 0 }
    { indent = match($0, /[^ ]/) }
    inref && indent <= refindent { flush() }
    /^---/ { kind = ""; inmeta = 0 }
    inmeta && kind == "Secret" && /^  name:/ { made[unquoted($2)] = 1 }
    inref && $1 == "name:" { ref = unquoted($2) }
    inref && $1 == "optional:" && $2 == "true" { optional = 1 }
    $1 == "secretKeyRef:" { flush(); inref = 1; refindent = indent; ref = ""; optional = 0 }
    END { flush(); for (name in wanted) if (!(name in made)) print name }
  ' "$1" | sort
}

# The Jobs labelled a migration in the manifests in $1, by name.
migration_jobs() {
  awk "$manifest_awk"'
    function flush() { if (kind == "Job" && migration) print name; kind = ""; name = ""; migration = 0 }
    /^---/ { flush() }
    inmeta && /^  name:/ { name = unquoted($2) }
    inmeta && /^    app\.kubernetes\.io\/component:/ && unquoted($2) == "migration" { migration = 1 }
    END { flush() }
  ' "$1"
}

wait_for_job() { # <job> <what did not finish>
  kube wait --for=condition=complete "job/$1" --timeout="$timeout" ||
    fail "$2 did not finish within $timeout: kubectl logs -n $namespace job/$1"
}

deploy_kubernetes() {
  cp -R deploy/k8s "$work/k8s"
  overlay=$work/k8s/overlays/$environment
  copy_generated_secrets "$overlay"
  for service in $SERVICES; do
    (cd "$overlay" && kustomize edit set image "<%= projectName %>/$service=$IMAGE_PREFIX/$service:$tag")
  done
  kustomize build "$overlay" >"$work/manifests.yaml"
  missing=
  for secret in $(secrets_required "$work/manifests.yaml"); do
    kube get secret "$secret" -o name >/dev/null 2>&1 || missing="$missing $secret"
  done
  [ -z "$missing" ] || fail "missing Secrets in namespace $namespace:$missing; create them from the team's secret store (deploy/k8s/README.md)"
  kube delete job --ignore-not-found --wait=true \
    -l "app.kubernetes.io/part-of=<%= projectName %>,app.kubernetes.io/component=migration"
  # Validated by the API server before anything changes.
  kube apply --dry-run=server -f "$work/manifests.yaml" >/dev/null
  kube apply -f "$work/manifests.yaml"
  for service in $SERVICES; do
    kube annotate deployment "$service" --overwrite "$LABEL/image-tag=$tag" "$LABEL/previous-image-tag=$previous" >/dev/null
  done
  # Migrations every service needs first (staging's db-init creates their databases), then each service's own.
  service_jobs=" $(for service in $SERVICES; do printf '%s-migrate ' "$service"; done)"
  for job in $(migration_jobs "$work/manifests.yaml"); do
    case "$service_jobs" in
      *" $job "*) ;;
      *) wait_for_job "$job" "$job" ;;
    esac
  done
  for service in $SERVICES; do
    wait_for_job "$service-migrate" "the migration of $service"
  done
  for service in $SERVICES; do
    kube rollout status "deployment/$service" --timeout="$timeout" ||
      fail "$service did not roll out within $timeout: kubectl describe -n $namespace deployment/$service"
  done
}

if [ "$target" = kubernetes ]; then
  kubectl config get-contexts "$KUBE_CONTEXT" >/dev/null 2>&1 ||
    fail "KUBE_CONTEXT=$KUBE_CONTEXT is not a context of the kubeconfig (${KUBECONFIG:-$HOME/.kube/config}): kubectl config get-contexts lists them"
fi
current=$(common_record image-tag) || exit 1
if [ "$tag" = previous ]; then
  tag=$(common_record previous-image-tag) || exit 1
  [ -n "$tag" ] || fail "no previous image tag is recorded on every service in $environment; name the tag to deploy"
fi
if [ "$current" = "$tag" ]; then
  previous=$(common_record previous-image-tag) || exit 1
else
  previous=$current
fi

if [ "$target" = kubernetes ]; then
  echo "Deploying $tag to $environment (namespace $namespace, context $KUBE_CONTEXT, replacing ${current:-nothing recorded}): $SERVICES"
  deploy_kubernetes
else
  echo "Deploying $tag to $environment (compose project $project, replacing ${current:-nothing recorded}): $SERVICES"
  deploy_compose
fi
echo "Deployed $tag to $environment."
