#!/usr/bin/env bash
# Installs the Keyway server as a hardened systemd service (see docs/deploy-systemd.md):
#   - a system user and group 'keyway' (systemd-sysusers, or useradd where that is missing)
#   - PREFIX/lib/keyway/keyway.jar and PREFIX/bin/keyway (a launcher, on PATH with the default prefix)
#   - /var/lib/keyway (0700 keyway:keyway), /etc/keyway (0750 root:keyway) with keyway.env (0640)
#   - /etc/systemd/system/keyway.service (contrib/systemd/keyway.service, paths adjusted to PREFIX)
# Idempotent: running it again updates the jar, the launcher and the unit, and keeps the data dir
# and an edited keyway.env. --uninstall removes what it installed but never the data dir.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: contrib/install.sh [--prefix DIR] [--destdir DIR] [--jar FILE] [--java FILE] [--uninstall]
  --prefix DIR    where bin/keyway and lib/keyway/ go (default /usr/local)
  --destdir DIR   stage everything under DIR instead of / (packaging, tests; also $DESTDIR). The
                  user is then created in DIR/etc/passwd with systemd-sysusers --root, and systemctl
                  is not called.
  --jar FILE      the shaded jar (default: keyway-dist/target/keyway.jar of this checkout)
  --java FILE     the java (25 or later) the launcher runs (default: $KEYWAY_JAVA, $JAVA_HOME/bin/java,
                  or java on PATH; checked at install time)
  --uninstall     remove the unit, the launcher, the jar and /etc/keyway/keyway.env if unchanged;
                  keeps /var/lib/keyway (the vault, the audit log) and the user
Exit codes: 0 done, 1 usage or precondition error.
USAGE
}

here="$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix=/usr/local
destdir="${DESTDIR:-}"
jar="$here/../keyway-dist/target/keyway.jar"
java="${KEYWAY_JAVA:-}"
uninstall=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { usage >&2; exit 1; }; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --destdir) [ $# -ge 2 ] || { usage >&2; exit 1; }; destdir="$2"; shift 2 ;;
    --destdir=*) destdir="${1#--destdir=}"; shift ;;
    --jar) [ $# -ge 2 ] || { usage >&2; exit 1; }; jar="$2"; shift 2 ;;
    --jar=*) jar="${1#--jar=}"; shift ;;
    --java) [ $# -ge 2 ] || { usage >&2; exit 1; }; java="$2"; shift 2 ;;
    --java=*) java="${1#--java=}"; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 1 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path (got '$prefix')" >&2; exit 1 ;; esac
if [ -n "$destdir" ]; then
  case "$destdir" in /*) ;; *) destdir="$(pwd)/$destdir" ;; esac
  destdir="${destdir%/}"
fi

user=keyway
data=/var/lib/keyway
conf=/etc/keyway
unit=/etc/systemd/system/keyway.service
sysusers=/usr/lib/sysusers.d/keyway.conf
libdir="$prefix/lib/keyway"
bindir="$prefix/bin"
env_template="# Keyway server environment (read by keyway.service; mode 0640 root:keyway).
# Without a master password the first start writes a random key file (master.key, 0600) to the data dir.
#KEYWAY_MASTER_PASSWORD=
# Extra 'keyway server' options, e.g. --api-addr 0.0.0.0:9790 --metrics-addr 127.0.0.1:9792
KEYWAY_SERVER_ARGS="
D() { printf '%s%s' "$destdir" "$1"; }
live() { [ -z "$destdir" ]; }
say() { echo "install.sh: $*"; }

if [ "$(id -u)" != 0 ] && live; then
  echo "install.sh: run as root (or stage with --destdir DIR)" >&2
  exit 1
fi

if [ -n "$uninstall" ]; then
  if live && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now keyway.service >/dev/null 2>&1 || true
  fi
  rm -f "$(D "$unit")" "$(D "$bindir/keyway")" "$(D "$libdir/keyway.jar")" "$(D "$libdir/server-jvm-opts.sh")"
  rmdir "$(D "$libdir")" 2>/dev/null || true
  if [ -f "$(D "$conf/keyway.env")" ] && [ "$(cat "$(D "$conf/keyway.env")")" = "$env_template" ]; then
    rm -f "$(D "$conf/keyway.env")"
    rmdir "$(D "$conf")" 2>/dev/null || true
  elif [ -f "$(D "$conf/keyway.env")" ]; then
    say "kept $conf/keyway.env (edited)"
  fi
  if live && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
  fi
  say "removed the keyway service; kept $data (vault, audit log) and the '$user' user"
  exit 0
fi

# --- preconditions ---
[ -f "$jar" ] || { echo "install.sh: no jar at $jar (build it with ./mvnw -B package, or pass --jar FILE)" >&2; exit 1; }
if [ -z "$java" ]; then
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java="$JAVA_HOME/bin/java"; else java="$(command -v java || true)"; fi
fi
[ -n "$java" ] && [ -x "$java" ] || { echo "install.sh: no java found; pass --java /path/to/java (25 or later)" >&2; exit 1; }
version="$( { "$java" -XshowSettings:properties -version 2>&1 || true; } | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1)"
[ -n "$version" ] && [ "$version" -ge 25 ] 2>/dev/null || { echo "install.sh: $java is Java ${version:-?}; Keyway needs 25 or later" >&2; exit 1; }
[ -f "$here/systemd/keyway.service" ] || { echo "install.sh: $here/systemd/keyway.service is missing" >&2; exit 1; }

# --- user and group ---
install -d -m 0755 "$(D /usr/lib/sysusers.d)"
printf 'u %s - "Keyway credential broker" %s /usr/sbin/nologin\n' "$user" "$data" > "$(D "$sysusers")"
chmod 0644 "$(D "$sysusers")"
if command -v systemd-sysusers >/dev/null 2>&1; then
  if live; then systemd-sysusers "$sysusers"; else install -d -m 0755 "$(D /etc)"; systemd-sysusers --root="$destdir"; fi
elif live; then
  getent group "$user" >/dev/null || groupadd --system "$user"
  getent passwd "$user" >/dev/null || useradd --system --gid "$user" --home-dir "$data" --no-create-home --shell /usr/sbin/nologin "$user"
else
  say "systemd-sysusers not found: the '$user' user will be created from $sysusers when the package is installed"
fi
owner_of() { # numeric uid:gid of $user in the target root, or empty
  local passwd group uid gid
  passwd="$(D /etc/passwd)"; group="$(D /etc/group)"
  uid="$(awk -F: -v u="$user" '$1 == u {print $3}' "$passwd" 2>/dev/null || true)"
  gid="$(awk -F: -v u="$user" '$1 == u {print $3}' "$group" 2>/dev/null || true)"
  [ -n "$uid" ] && [ -n "$gid" ] && echo "$uid:$gid"
}
ids="$(owner_of || true)"

# --- files ---
install -d -m 0755 "$(D "$libdir")" "$(D "$bindir")" "$(D /etc/systemd/system)"
install -m 0644 "$jar" "$(D "$libdir/keyway.jar.new")" && mv -f "$(D "$libdir/keyway.jar.new")" "$(D "$libdir/keyway.jar")"
install -m 0644 "$here/../bin/server-jvm-opts.sh" "$(D "$libdir/server-jvm-opts.sh")"
cat > "$(D "$bindir/keyway.new")" <<LAUNCHER
#!/usr/bin/env bash
# Keyway launcher written by contrib/install.sh: runs $libdir/keyway.jar on $java
# (override with KEYWAY_JAVA). 'keyway server' gets the bounded server JVM options.
set -euo pipefail
java="\${KEYWAY_JAVA:-$java}"
opts=(--enable-native-access=ALL-UNNAMED)
if [ "\${1:-}" = server ]; then
  . "$libdir/server-jvm-opts.sh"
  opts+=("\${KEYWAY_SERVER_JVM_OPTS[@]}")
else
  opts+=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC)
fi
# shellcheck disable=SC2086
exec "\$java" "\${opts[@]}" \${KEYWAY_JAVA_OPTS:-} -jar "$libdir/keyway.jar" "\$@"
LAUNCHER
chmod 0755 "$(D "$bindir/keyway.new")" && mv -f "$(D "$bindir/keyway.new")" "$(D "$bindir/keyway")"
sed "s#/usr/local/bin/keyway#$bindir/keyway#g" "$here/systemd/keyway.service" > "$(D "$unit.new")"
chmod 0644 "$(D "$unit.new")" && mv -f "$(D "$unit.new")" "$(D "$unit")"

install -d -m 0700 "$(D "$data")"
install -d -m 0750 "$(D "$conf")"
if [ ! -e "$(D "$conf/keyway.env")" ]; then
  printf '%s\n' "$env_template" > "$(D "$conf/keyway.env")"
fi
chmod 0640 "$(D "$conf/keyway.env")"
if [ -n "$ids" ] && [ "$(id -u)" = 0 ]; then
  chown "$ids" "$(D "$data")"
  chown "0:${ids#*:}" "$(D "$conf")" "$(D "$conf/keyway.env")"
elif [ "$(id -u)" = 0 ]; then
  say "no '$user' user in the target root; $data and $conf stay owned by root (systemd's StateDirectory= fixes $data at start)"
fi

if live && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "installed. Start it with: systemctl enable --now keyway   (logs: journalctl -u keyway)"
else
  say "installed under ${destdir:-/} (systemd not running here: not reloaded)"
fi
