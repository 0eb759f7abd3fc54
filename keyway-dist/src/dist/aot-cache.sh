#!/usr/bin/env bash
# Build step (keyway-dist/pom.xml, package phase): writes the JDK AOT caches of keyway.jar for one Java
# runtime, from a training run (dev.keyway.dist.AotTraining: a server start and the common CLI calls):
# OUT for client commands, OUT's name with -server.aot for `keyway server` (the server JVM of the training
# run writes it when it stops), plus OUT.stamp for both: it names that runtime and carries the jar's mtime (touch -r). The launchers pass
# -XX:AOTCache=OUT only when the stamp names the java they run and has the same mtime as the jar they
# run (bash's -nt/-ot: no process started), so a rebuilt or replaced jar or another JDK runs without
# the cache (correct, just slower) instead of with a stale one.
# Usage: aot-cache.sh JAVA JAR OUT WORK_DIR [STAMP_JAVA]
#   STAMP_JAVA: the java path the launcher will see (the tarball's runtime/bin/java is relative to its
#   install dir, so its stamp says "bundled"); default JAVA.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 JAVA JAR OUT WORK_DIR [STAMP_JAVA]" >&2; exit 2; }
java="$1"; jar="$2"; out="$3"; work="$4"; stamp_java="${5:-}"
# shellcheck source=../../../bin/find-java.sh
. "$(dirname "$0")/../../../bin/find-java.sh"
if [ -z "$stamp_java" ]; then
  # the checkout's cache: Maven may run on an older JDK than the one ./keyway runs the jar with, so
  # train with the java ./keyway would pick when the given one is older than 25
  v="$(keyway_java_version "$java")"
  if [ -z "$v" ] || [ "$v" -lt 25 ] 2>/dev/null; then
    keyway_find_java || { echo "aot-cache: no Java >= 25 to train with" >&2; exit 1; }
    java="$KEYWAY_JAVA_BIN"
  fi
  stamp_java="$java"
fi
out_server="${out%.aot}-server.aot"
rm -f "$out" "$out.stamp" "$out.config" "$out_server" "$out_server.config"
mkdir -p "$work"
log="$work/training.log"
# the same options as the launchers' client commands (the server's SerialGC matches; heap sizes do not matter)
if ! "$java" --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -XX:AOTCacheOutput="$out" \
    -cp "$jar" dev.keyway.dist.AotTraining "$work" "$out_server" >"$log" 2>&1 || [ ! -s "$out" ] || [ ! -s "$out_server" ]; then
  cat "$log" >&2
  echo "aot-cache: the training run failed (log above)" >&2
  exit 1
fi
rm -rf "$work"/data-* "$work"/training-key-* "$out.config" "$out_server.config"
printf '%s\n' "$stamp_java" > "$out.stamp"
touch -r "$jar" "$out.stamp"
echo "aot-cache: wrote $out ($(du -k "$out" | cut -f1) KB) and $out_server ($(du -k "$out_server" | cut -f1) KB) for $stamp_java"
