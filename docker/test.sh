#!/usr/bin/env bash
# The containers for real, on a machine with no container registry: as root, with Debian's docker.io,
# docker-compose and debootstrap (installed if missing). Not part of bin/test: it takes minutes and
# needs a Docker engine, which it starts itself (dockerd without a bridge or iptables rules) if none
# runs, and stops again afterwards.
#
# 1. Images from Debian packages, cached in $DROVER_DOCKER_TEST_DIR (default /var/tmp/drover-docker-test):
#    a minimal bookworm with openjdk-17-jre-headless (debootstrap, `docker import`) as Drover's
#    BASE_IMAGE, and on it stand-ins for the postgres and prometheus images (Debian's postgresql-15
#    behind docker/test/postgres-entrypoint, Debian's prometheus). Grafana has no Debian package, so
#    its service is not started here.
# 2. Drover's image by docker/Dockerfile on that base. The jar is built on this machine and taken with
#    JAR_STAGE=prebuilt: here a container's Maven cannot download from Maven Central.
# 3. docker/make-secrets, then docker/compose.yaml up (postgres, hub1, hub2, gw1, prometheus) under
#    the project name drover-test, on the host's network, every listener on 127.0.0.1.
# 4. Checks: each node answers /health/ready and sees 3 members; Docker's health check says healthy;
#    a device registered through hub1 publishes through gw1 (mosquitto_pub) and its event reaches
#    hub2's stream; Prometheus scrapes the three nodes (their targets are up).
# 5. `docker-compose down -v`, whatever happened. Prints "N passed, M failed" and exits non-zero on a failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${DROVER_DOCKER_TEST_DIR:-/var/tmp/drover-docker-test}"
[[ "$(id -u)" -eq 0 ]] || { echo "docker/test.sh: run as root (dockerd, debootstrap, chroot)" >&2; exit 2; }
mkdir -p "$work"
for file in dashboards/alerts.yml dashboards/grafana/provisioning/dashboards/drover.yml; do
  [[ -f "$root/$file" ]] || { echo "docker/test.sh: $file is missing (the dashboards half of the operations kit); compose mounts it" >&2; exit 2; }
done

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]} > 0)); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
docker=/usr/bin/docker   # Debian's client, of the engine's version
[[ -x "$docker" ]] || docker="$(command -v docker)"

passed=0 failed=0
check() { # check NAME COMMAND...
  if "${@:2}"; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; failed=$((failed + 1)); fi
}

dockerd_pid=""
compose=(docker-compose -p drover-test -f "$root/docker/compose.yaml")
cleanup() {
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  [[ -n "${sse_pid:-}" ]] && kill "$sse_pid" 2>/dev/null || true
  if [[ -n "$dockerd_pid" ]]; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

if ! "$docker" info >/dev/null 2>&1; then
  echo "test: starting dockerd (no bridge, no iptables; log in $work/dockerd.log)"
  dockerd --bridge=none --iptables=false --ip6tables=false >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do "$docker" info >/dev/null 2>&1 && break; sleep 0.5; done
  "$docker" info >/dev/null
fi

# 1. images from Debian packages
rootfs() { # rootfs NAME PACKAGES...: a bookworm with openjdk-17-jre-headless and PACKAGES, cached
  local dir="$work/rootfs-$1"
  if [[ ! -f "$dir.done" ]]; then
    rm -rf "$dir"
    if [[ ! -f "$work/rootfs-base.done" ]]; then
      rm -rf "$work/rootfs-base"
      debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$work/rootfs-base" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1
      touch "$work/rootfs-base.done"
    fi
    if [[ "$1" != base ]]; then
      cp -a "$work/rootfs-base" "$dir"
      chroot "$dir" /bin/bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${*:2} && apt-get clean" >"$work/chroot-$1.log" 2>&1
    fi
    touch "$dir.done"
  fi
  echo "$dir"
}
image() { # image TAG ROOTFS [docker import -c ...]
  "$docker" image inspect "$1" >/dev/null 2>&1 || tar -C "$2" -c . | "$docker" import "${@:3}" - "$1" >/dev/null
}
echo "test: base images (debootstrap bookworm; the first run takes a few minutes)"
image drover-test/base:bookworm "$(rootfs base)"
pg="$(rootfs postgres postgresql-15)"
install -m 0755 "$root/docker/test/postgres-entrypoint" "$pg/usr/local/bin/postgres-entrypoint"
mkdir -p "$pg/var/lib/postgresql/data" "$pg/run/postgresql"
chroot "$pg" chown -R postgres:postgres /var/lib/postgresql /run/postgresql
image drover-test/postgres:15 "$pg" -c 'USER postgres' -c 'ENV PGDATA=/var/lib/postgresql/data' \
  -c 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]'
prom="$(rootfs prometheus prometheus)"
mkdir -p "$prom/prometheus" && chroot "$prom" chown nobody:nogroup /prometheus
image drover-test/prometheus:debian "$prom" -c 'USER nobody' -c 'ENTRYPOINT ["/usr/bin/prometheus"]'

# 2. Drover's image, the jar built here
echo "test: building the jar and Drover's image"
mvn -B -q -f "$root/pom.xml" -pl hub -am package -DskipTests
DOCKER_BUILDKIT=1 "$docker" build -q --network host -f "$root/docker/Dockerfile" --build-arg JAR_STAGE=prebuilt \
  --build-arg BASE_IMAGE=drover-test/base:bookworm -t drover:local "$root" >/dev/null

# 3. the cluster
export POSTGRES_IMAGE=drover-test/postgres:15 PROMETHEUS_IMAGE=drover-test/prometheus:debian DROVER_IMAGE=drover:local
"${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
"$root/docker/make-secrets" >/dev/null
echo "test: docker-compose up postgres hub1 hub2 gw1 prometheus"
"${compose[@]}" up -d --no-build postgres hub1 hub2 gw1 prometheus

ready() { # ready PORT: /health/ready within 240 s
  local deadline=$((SECONDS + 240))
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/health/ready" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 2
  done
}
token="$(cat "$root/docker/secrets/metrics-token")"
members() { # members PORT: the node sees 3 members
  curl -fsS --max-time 5 -H "Authorization: Bearer $token" "http://127.0.0.1:$1/health" | grep -q '"members":3'
}
for node in hub1:8080 hub2:8081 gw1:8082; do
  check "${node%%:*} answers /health/ready" ready "${node##*:}"
done
for node in hub1:8080 hub2:8081 gw1:8082; do
  check "${node%%:*} sees 3 cluster members" members "${node##*:}"
done
healthy() { # healthy SERVICE: Docker's health check (/health/live) says healthy within 60 s
  local id deadline=$((SECONDS + 60))
  id="$("${compose[@]}" ps -q "$1")"
  until [[ "$("$docker" inspect --format '{{.State.Health.Status}}' "$id")" == healthy ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 2
  done
}
check "Docker's health check says hub1 is healthy" healthy hub1
check "hub1 runs as a user that is not root" bash -c "[[ \"\$(${compose[*]} exec -T hub1 id -u)\" == 10001 ]]"

# a device through the gateway, its event on the other hub's stream
admin="$("${compose[@]}" exec -T hub1 cat /var/lib/drover/admin-token | tr -d '\r\n')"
device="$(curl -fsS -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{}' http://127.0.0.1:8080/v1/admin/devices)"
id="$(sed -E 's/.*"id":"([^"]+)".*/\1/' <<<"$device")"
secret="$(sed -E 's/.*"secret":"([^"]+)".*/\1/' <<<"$device")"
curl -sN -H "Authorization: Bearer $admin" http://127.0.0.1:8081/v1/devices/events/through-gw1 >"$work/stream.txt" &
sse_pid=$!
event_through_gateway() {
  local i
  for i in $(seq 1 20); do
    mosquitto_pub -h 127.0.0.1 -p 1883 -i "$id" -u "$id" -P "$secret" -q 1 -t e/through-gw1 -m "reading-$i" 2>/dev/null || true
    sleep 1
    grep -q "\"coreid\":\"$id\"" "$work/stream.txt" && return 0
  done
  return 1
}
check "a device's event through gw1 reaches hub2's stream" event_through_gateway
kill "$sse_pid" 2>/dev/null || true

scraped() { # Prometheus has scraped all three nodes, each target up, within 90 s
  local deadline=$((SECONDS + 90)) targets
  while ((SECONDS < deadline)); do
    targets="$(curl -fsS --max-time 5 http://127.0.0.1:9090/api/v1/targets 2>/dev/null || true)"
    if [[ "$(grep -o '"health":"up"' <<<"$targets" | wc -l)" -eq 3 ]]; then return 0; fi
    sleep 3
  done
  echo "$targets" >&2
  return 1
}
check "Prometheus scrapes hub1, hub2 and gw1" scraped
check "no container has a bridge address (host network only)" bash -c "! ip -br addr | grep -q '^docker0\|^br-'"

if ((failed > 0)); then
  "${compose[@]}" logs --tail=40 >"$work/compose.log" 2>&1 || true
  echo "the services' logs: $work/compose.log"
fi
echo "$passed passed, $failed failed"
((failed == 0))
