#!/usr/bin/env bash
# Build step of the distribution tarball (keyway-dist/pom.xml, package phase): makes the bundled Java
# runtime with jlink, unless OUT already holds one made from the same JDK with the same modules. The
# runtime depends on nothing else, and jlink is most of the tarball's build time (about 20 s on 2
# loaded cores), so a rebuild after a source change (./keyway does one after a git pull) skips it.
# Usage: jlink-runtime.sh JDK_HOME MODULES OUT
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 JDK_HOME MODULES OUT" >&2; exit 2; }
jdk="$1"; modules="$2"; out="$3"
release="$jdk/release"
[ -f "$release" ] && [ -x "$jdk/bin/jlink" ] || { echo "jlink-runtime: $jdk is not a JDK with jlink" >&2; exit 1; }
version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")"
if [ -z "$version" ] || [ "$version" -lt 25 ]; then
  # Maven itself may run on an older JDK (javac 25 comes from the toolchain): link the JDK >= 25 that
  # ./keyway would pick (bin/find-java.sh: KEYWAY_JAVA, JAVA_HOME, PATH, /usr/lib/jvm/*).
  # shellcheck source=../../../bin/find-java.sh
  . "$(dirname "$0")/../../../bin/find-java.sh"
  if ! keyway_find_java; then
    echo "jlink-runtime: the distribution needs a JDK >= 25 to build; Maven runs on $jdk (Java ${version:-unknown})" >&2
    exit 1
  fi
  jdk="$(dirname "$(dirname "$(readlink -f "$KEYWAY_JAVA_BIN")")")"
  release="$jdk/release"
  [ -f "$release" ] && [ -x "$jdk/bin/jlink" ] || { echo "jlink-runtime: $jdk is not a JDK with jlink" >&2; exit 1; }
  echo "jlink-runtime: Maven runs on Java ${version:-unknown}; linking from $jdk"
fi
stamp="$out.stamp"
want="$jdk $(sed -n 's/^\(JAVA_RUNTIME_VERSION\|IMPLEMENTOR\)=//p' "$release" | tr -d '"' | tr '\n' ' ')$modules"
if [ -x "$out/bin/java" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "jlink-runtime: $out is up to date ($modules)"
  exit 0
fi
rm -rf "$out" "$stamp"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$out"
printf '%s' "$want" > "$stamp"
echo "jlink-runtime: linked $out ($modules)"
