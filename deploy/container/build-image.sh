#!/usr/bin/env bash
# build-image.sh TAG
#
# The exporter's container image, from Debian packages only: Debian 12 (bookworm, minbase) with
# openjdk-17-jre-headless and libbpf1, and the ctxswitch jar at /usr/local/lib/ctxswitch/ctxswitch.jar
# (where the systemd unit has it too). No registry and no base image to pull: the tree is made by
# debootstrap (deploy/container/debian-tree.sh, cached in /var/tmp/ctxswitch-bookworm-jre or
# $CTXSWITCH_IMAGE_TREE) and given to `docker import`. What it runs is the Kubernetes manifest's to
# say (deploy/kubernetes/ctxswitch-exporter.yaml); the image's own entry point is the JVM and the jar.
#
# Needs root, debootstrap and a docker daemon; the jar is cli/target/ctxswitch.jar ($CTXSWITCH_JAR),
# built by `./ctxswitch --version`. Prints TAG.
set -euo pipefail
if [ $# -ne 1 ]; then
	echo "usage: deploy/container/build-image.sh TAG   (e.g. ctxswitch:0.1.0, as deploy/kubernetes/ctxswitch-exporter.yaml names it)" >&2
	exit 2
fi
tag=$1
here=$(cd "$(dirname "$0")" && pwd)
jar=${CTXSWITCH_JAR:-$here/../../cli/target/ctxswitch.jar}
tree=${CTXSWITCH_IMAGE_TREE:-/var/tmp/ctxswitch-bookworm-jre}
if [ ! -f "$jar" ]; then
	echo "build-image.sh: no jar at $jar: build it first (./ctxswitch --version)" >&2
	exit 3
fi
if ! docker info >/dev/null 2>&1; then
	echo "build-image.sh: no docker daemon answers (apt-get install docker.io; systemctl start docker)" >&2
	exit 3
fi
"$here/debian-tree.sh" bookworm "$tree" openjdk-17-jre-headless libbpf1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -D -m 0644 "$jar" "$stage/usr/local/lib/ctxswitch/ctxswitch.jar"
# The JVM as the systemd unit runs it: a small heap, and no hsperfdata file in /tmp.
previous=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
tar -c -C "$tree" --exclude=./proc --exclude=./sys --exclude=./dev . -C "$stage" ./usr/local/lib/ctxswitch \
	| docker import \
		--change 'ENTRYPOINT ["/usr/bin/java", "-Xmx64m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError", "-XX:-UsePerfData", "-jar", "/usr/local/lib/ctxswitch/ctxswitch.jar"]' \
		--change 'CMD ["--help"]' \
		--change 'EXPOSE 9477/tcp' \
		--message "ctxswitch exporter: Debian bookworm, openjdk-17-jre-headless, libbpf1, $(basename "$jar")" \
		- "$tag" >/dev/null
# The image this tag named before is of no further use (unless a container still runs it).
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]; then
	docker rmi "$previous" >/dev/null 2>&1 || true
fi
echo "$tag"
