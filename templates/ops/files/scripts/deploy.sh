#!/bin/sh
# Deploys every service of <%= projectName %> to one environment's compose stack.
#
#   sh scripts/deploy.sh <staging|production> <image-tag|previous>
#
# Both CI pipelines call it, so a deploy is the same whichever CI runs it. It drives docker-compose
# (v1 or v2) against the Docker engine in DOCKER_HOST (ssh://user@host, or tcp://host:2376 with
# DOCKER_TLS_VERIFY and DOCKER_CERT_PATH), set by the CI per environment; it refuses to run without
# one, so it never deploys to the CI agent's own engine by accident.
#   IMAGE_PREFIX     registry path the images were pushed under: $IMAGE_PREFIX/<service>:<image-tag>;
#                    pulled with the credentials of a `docker login` done before
#   DEPLOY_ENV_FILE  optional: the environment's secrets in .env format (the variables of
#                    .env.example); without it they must be in the environment
#   COMPOSE_PROJECT_NAME  default <%= projectName %>-<environment>
#
# `previous` redeploys the tag that ran before the last deploy: every deploy labels the containers
# with the tag it deployed and the tag it replaced, so the engine itself remembers, whichever CI
# or person deployed. Rolling back twice therefore returns to the tag rolled back from.
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
# the compose file this script writes (the tag argument and the tags read back from container labels).
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
[ -n "${DOCKER_HOST:-}" ] || fail "set DOCKER_HOST to the $environment Docker engine (a CI variable of that environment)"
[ -n "${IMAGE_PREFIX:-}" ] || fail "set IMAGE_PREFIX to the registry path the images were pushed under"
case $IMAGE_PREFIX in
  *[!a-z0-9._/:-]*) fail "IMAGE_PREFIX is not a lower-case image reference: '$IMAGE_PREFIX'" ;;
esac
if [ -n "${DEPLOY_ENV_FILE:-}" ] && [ ! -r "$DEPLOY_ENV_FILE" ]; then
  fail "DEPLOY_ENV_FILE=$DEPLOY_ENV_FILE cannot be read"
fi

cd "$(dirname "$0")/.."
project=${COMPOSE_PROJECT_NAME:-<%= projectName %>-$environment}
override=$(mktemp)
trap 'rm -f "$override"' EXIT

compose() {
  if [ -n "${DEPLOY_ENV_FILE:-}" ]; then
    docker-compose --env-file "$DEPLOY_ENV_FILE" -p "$project" "$@"
  else
    docker-compose -p "$project" "$@"
  fi
}

# The label $2 of service $1's running container, or nothing. Errors are passed on with
# `|| exit 1` because command substitutions do not inherit `set -e` in every shell.
label_of() {
  ids=$(compose -f docker-compose.yml ps -q "$1") || exit 1
  id=$(printf '%s\n' "$ids" | head -n 1)
  [ -n "$id" ] || return 0
  value=$(docker inspect --format "{{ index .Config.Labels \"$LABEL.$2\" }}" "$id") || exit 1
  # No label, or the empty one a first deploy records as the tag before it: nothing recorded.
  [ "$value" != "<no value>" ] && [ -n "$value" ] || return 0
  # Anyone with access to the engine can set labels: one that is no tag never reaches the compose file.
  problem=$(not_a_tag "$value")
  [ -z "$problem" ] || fail "the $LABEL.$2 label of $1's container is $problem: name the tag to deploy, and check who changed the container"
  printf '%s' "$value"
}

# The label $1 when every service's container carries the same value, else nothing: after a
# deploy that failed half-way there is no single tag to return to.
common_label() {
  common=
  for service in $SERVICES; do
    value=$(label_of "$service" "$1") || exit 1
    [ -n "$value" ] || return 0
    if [ -z "$common" ]; then
      common=$value
    elif [ "$common" != "$value" ]; then
      return 0
    fi
  done
  printf '%s' "$common"
}

current=$(common_label image-tag) || exit 1
if [ "$tag" = previous ]; then
  tag=$(common_label previous-image-tag) || exit 1
  [ -n "$tag" ] || fail "no previous image tag is recorded on every service in $environment; name the tag to deploy"
fi
if [ "$current" = "$tag" ]; then
  previous=$(common_label previous-image-tag) || exit 1
else
  previous=$current
fi

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

echo "Deploying $tag to $environment (compose project $project, replacing ${current:-nothing recorded}): $SERVICES"
# Word splitting of $SERVICES is wanted: one argument per service.
# shellcheck disable=SC2086
{
  compose -f docker-compose.yml -f "$override" config -q
  compose -f docker-compose.yml -f "$override" pull $SERVICES
  compose -f docker-compose.yml -f "$override" up -d --no-build $SERVICES
}
echo "Deployed $tag to $environment."
