# Sourced by ./keyway: sets KEYWAY_JAVA_BIN to a java executable of version >= 25, or fails with a hint.
# Order: $KEYWAY_JAVA, $JAVA_HOME/bin/java, java on PATH, then every JDK under /usr/lib/jvm (and macOS JVM dirs).

keyway_java_version() {
  # prints the feature version (e.g. 25) of the given java binary, or nothing. A JDK's bin/java (after
  # links such as /usr/bin/java -> /etc/alternatives/java) has its version in ../release: reading that
  # costs no JVM start, which was a third of a CLI call. Anything else is asked.
  local real="$1" line v
  [ -L "$real" ] && { real=$(readlink -f "$real" 2>/dev/null) || real="$1"; }
  if [ -r "${real%/bin/java}/release" ]; then   # plain bash: no process per candidate
    while IFS= read -r line; do
      case "$line" in JAVA_VERSION=\"[0-9]*) v="${line#JAVA_VERSION=\"}"; v="${v%%[!0-9]*}"; echo "$v"; return ;; esac
    done < "${real%/bin/java}/release"
  fi
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

keyway_find_java() {
  local candidates=() c v
  [ -n "${KEYWAY_JAVA:-}" ] && candidates+=("$KEYWAY_JAVA")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  c=$(command -v java 2>/dev/null) && candidates+=("$c")
  # KEYWAY_JVM_DIRS (space-separated globs) replaces the default search locations; tests use it.
  local dirs="${KEYWAY_JVM_DIRS:-/usr/lib/jvm/* /Library/Java/JavaVirtualMachines/*/Contents/Home $HOME/.sdkman/candidates/java/*}"
  # shellcheck disable=SC2086
  for d in $dirs; do
    [ -x "$d/bin/java" ] && candidates+=("$d/bin/java")
  done
  local found="" seen=" "
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || continue
    case "$seen" in *" $c "*) continue ;; esac
    seen="$seen$c "
    v=$(keyway_java_version "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then
      [ -n "${KEYWAY_DEBUG_JAVA:-}" ] && echo "keyway: using $c (Java $v)" >&2
      KEYWAY_JAVA_BIN="$c"
      return 0
    fi
    found="${found:+$found, }$c (Java ${v:-version unknown})"
  done
  # say what we saw, so a user with an old JDK knows which one was picked up, and where to get 25
  echo "keyway: need Java 25 or newer; found ${found:-no java (looked at KEYWAY_JAVA, JAVA_HOME, PATH, /usr/lib/jvm)}" >&2
  echo "keyway: get a JDK 25 (e.g. Eclipse Temurin, https://adoptium.net/temurin/releases/?version=25) and set JAVA_HOME or KEYWAY_JAVA," >&2
  echo "        or use the self-contained keyway-<version>-linux-x86_64.tar.gz, which bundles its own Java runtime (README, Install)" >&2
  return 1
}
