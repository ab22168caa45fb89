#!/usr/bin/env bash
# Lays out what the timemesh image holds, under OUT/opt/timemesh:
#   runtime/            a jlink-ed Java runtime with only the modules the jar needs
#   timemesh.jar        the runnable jar
#   bin/timemesh        the entrypoint (starts the jar on that runtime)
#   bin/healthcheck     GET /health/live with bash alone (no curl in the image)
# The Dockerfile runs this in its build stage; ImageLayoutIT runs it too and starts a node from OUT, so the
# image's contents are tested where no container engine can build the image.
#   usage: deploy/image/assemble.sh JAR OUT      (needs a JDK 17+ with jmods: jdeps and jlink)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 JAR OUT" >&2; exit 2; }
jar=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
bin=${JAVA_HOME:+$JAVA_HOME/bin/}
home=$out/opt/timemesh
rm -rf "$home"
mkdir -p "$home/bin"
# jdeps finds the modules the bytecode names; the rest are reached only by reflection or service loading:
# jdk.unsupported (Netty's and Hazelcast's Unsafe), jdk.management (Hazelcast, Micrometer's JVM metrics),
# jdk.crypto.ec (TLS with EC keys on the event bus), jdk.naming.dns (DNS lookups through JNDI).
found=$("${bin}jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$jar")
modules=$(tr ',' '\n' <<<"$found,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.naming.dns" | sort -u | paste -sd,)
"${bin}jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$home/runtime"
cp "$jar" "$home/timemesh.jar"
cp "$here/../jvm.options" "$home/jvm.options" # the entrypoint's JVM options when JAVA_OPTS gives none
install -m 0755 "$here/timemesh" "$here/healthcheck" "$home/bin/"
echo "$home: runtime with $modules"
