#!/bin/sh
# Installs posdrop as a hardened systemd service. Run as root from a built checkout
# (npm install && npm test first):
#
#   sudo scripts/install.sh [--prefix /opt/posdrop] [--node /usr/bin/node] [--no-start]
#
# Creates the system user posdrop, the data directory /var/lib/posdrop (0750), the
# configuration /etc/posdrop/config.yaml (kept if it exists), the backup folder
# /var/backups/posdrop, the CLI wrapper /usr/local/bin/posdrop and the unit
# /etc/systemd/system/posdrop.service, then starts (or restarts) the service.
# Running it again upgrades: a backup of the database is taken first (into the backup
# folder), the code is replaced, the data and configuration are kept, and the database is
# migrated when the service starts. The prefix must be empty, absent or an earlier install
# (it holds .posdrop-install); the script deletes nothing it did not create.
#
#   scripts/install.sh --print-unit [--prefix P] [--node N]   print the unit it would install
#   scripts/install.sh --print-config                         print config/posdrop.example.yaml as it installs it
set -eu

PREFIX=/opt/posdrop
NODE=$(command -v node || true)
START=yes
ACTION=install
# POSDROP_INSTALL_ROOT puts every system path under another folder, and POSDROP_INSTALL_USER
# names another (existing) service user: for trying the script out, and for its tests.
ROOT=${POSDROP_INSTALL_ROOT:-}
SERVICE_USER=${POSDROP_INSTALL_USER:-posdrop}
# Not for posdrop itself, which takes every POSDROP_* variable for configuration.
unset POSDROP_INSTALL_ROOT POSDROP_INSTALL_USER
DATA_DIR=$ROOT/var/lib/posdrop
CONFIG_DIR=$ROOT/etc/posdrop
BACKUP_DIR=$ROOT/var/backups/posdrop
UNIT=$ROOT/etc/systemd/system/posdrop.service
WRAPPER=$ROOT/usr/local/bin/posdrop
SOURCE=$(cd "$(dirname "$0")/.." && pwd)
# The file that marks a folder as a posdrop install: only such a folder is ever replaced.
MARKER=.posdrop-install

usage() {
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
  echo "install.sh: $*" >&2
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=${2:?--prefix needs a folder}; shift 2 ;;
    --node) NODE=${2:?--node needs the path of node}; shift 2 ;;
    --no-start) START=no; shift ;;
    --print-unit) ACTION=print-unit; shift ;;
    --print-config) ACTION=print-config; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

# The unit with this machine's paths for node and posdrop.
render_unit() {
  sed -e "s#^ExecStart=/usr/bin/node #ExecStart=$NODE #" \
      -e "s#/opt/posdrop#$PREFIX#g" \
      "$SOURCE/scripts/posdrop.service"
}

# The configuration for a new server: config/posdrop.example.yaml, the one example operators
# read, with this script's data directory.
render_config() {
  grep -q '^data_dir: ' "$SOURCE/config/posdrop.example.yaml" \
    || die "$SOURCE/config/posdrop.example.yaml has no top-level data_dir line"
  sed -e "s#^data_dir: .*#data_dir: $DATA_DIR#" "$SOURCE/config/posdrop.example.yaml"
}

case "$ACTION" in
  print-unit) [ -n "$NODE" ] || die "node not found: give --node"; render_unit; exit 0 ;;
  print-config) render_config; exit 0 ;;
esac

# What is at the prefix decides everything else, so it is looked at before anything changes.
case "$PREFIX" in
  /*) ;;
  *) die "--prefix must be an absolute path, not $PREFIX" ;;
esac
PREFIX=${PREFIX%/}
[ -n "$PREFIX" ] || die "--prefix / would replace the whole system; choose a folder of its own"
# An earlier install: it has the marker, or (written before the marker existed) posdrop's own
# package.json and CLI.
earlier_install() {
  [ -f "$1/$MARKER" ] && return 0
  [ -f "$1/bin/posdrop.js" ] && [ -f "$1/package.json" ] && grep -q '"name": "posdrop"' "$1/package.json"
}
UPGRADE=no
if [ -e "$PREFIX" ] || [ -L "$PREFIX" ]; then
  [ -d "$PREFIX" ] && [ ! -L "$PREFIX" ] || die "$PREFIX is not a folder; choose a --prefix that is empty or an earlier posdrop install"
  if earlier_install "$PREFIX"; then
    UPGRADE=yes
  elif [ -n "$(ls -A "$PREFIX")" ]; then
    die "$PREFIX is not empty and not a posdrop install (no $MARKER in it): nothing was changed; choose an empty or new --prefix"
  fi
fi

[ "$(id -u)" = 0 ] || die "run as root (sudo $0)"
if [ -z "$NODE" ] || [ ! -x "$NODE" ]; then die "node not found: install Node.js 20.11 or newer, or give --node"; fi
"$NODE" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=11)?0:1)' \
  || die "posdrop needs Node.js 20.11 or newer; $NODE is $("$NODE" --version)"
if [ ! -f "$SOURCE/dist/src/cli/main.js" ] || [ ! -d "$SOURCE/node_modules" ]; then
  die "$SOURCE is not built: run npm install there first"
fi
# Type=notify needs it: without it systemd never hears READY=1 and gives up on the start.
(cd "$SOURCE" && "$NODE" -e "require('unix-dgram')" 2>/dev/null) \
  || die "the module unix-dgram is not built in $SOURCE (it needs python3, make and a C++ compiler): install those, then npm install again"

echo "==> user $SERVICE_USER"
if ! id "$SERVICE_USER" >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
fi
SERVICE_GROUP=$(id -gn "$SERVICE_USER")

# An upgrade backs the database up with the code installed now, before anything changes: the
# new code would migrate the database as it opens it, and the backup must be of the old schema.
if [ "$UPGRADE" = yes ] && [ -f "$DATA_DIR/posdrop.db" ]; then
  echo "==> backup of $DATA_DIR/posdrop.db into $BACKUP_DIR"
  POSDROP_CONFIG="$CONFIG_DIR/config.yaml" runuser -u "$SERVICE_USER" -- "$NODE" "$PREFIX/bin/posdrop.js" backup "$BACKUP_DIR/" \
    || die "the backup before the upgrade failed (see above); nothing was changed"
fi

echo "==> $PREFIX"
# Only folders this run creates are ever deleted: the staging copy (until it takes the prefix's
# place), and after the swap the earlier install it replaced, which holds the marker.
mkdir -p "$(dirname "$PREFIX")"
NEW=$(mktemp -d "$PREFIX.new.XXXXXX") || die "cannot create a folder beside $PREFIX"
trap 'rm -rf "$NEW"' EXIT
for part in bin config console dist node_modules scripts package.json package-lock.json README.md ARCHITECTURE.md; do
  if [ -e "$SOURCE/$part" ]; then cp -a "$SOURCE/$part" "$NEW/"; fi
done
# The test and build tools are not needed on the server.
if ! (cd "$NEW" && npm prune --omit=dev --no-audit --no-fund >"$NEW/.npm-prune.log" 2>&1); then
  cat "$NEW/.npm-prune.log" >&2
  die "npm prune --omit=dev failed in the staging copy (output above); $PREFIX was not changed"
fi
rm -f "$NEW/.npm-prune.log"
echo "posdrop $("$NODE" -p "require('$SOURCE/package.json').version") installed $(date -u +%Y-%m-%dT%H:%M:%SZ) from $SOURCE" > "$NEW/$MARKER"
chown -R root:root "$NEW"
chmod -R go-w "$NEW"
chmod 0755 "$NEW"
if [ "$UPGRADE" = yes ]; then
  OLD=$(mktemp -d "$PREFIX.old.XXXXXX") || die "cannot create a folder beside $PREFIX"
  rmdir "$OLD"
  mv "$PREFIX" "$OLD"
  mv "$NEW" "$PREFIX"
  if earlier_install "$OLD"; then rm -rf "$OLD"; fi
else
  if [ -d "$PREFIX" ]; then rmdir "$PREFIX"; fi # empty, checked above
  mv "$NEW" "$PREFIX"
fi
trap - EXIT

echo "==> $DATA_DIR, $BACKUP_DIR"
install -d -o "$SERVICE_USER" -g "$SERVICE_GROUP" -m 0750 "$DATA_DIR" "$BACKUP_DIR"

echo "==> $CONFIG_DIR/config.yaml"
install -d -o root -g "$SERVICE_GROUP" -m 0750 "$CONFIG_DIR"
if [ ! -e "$CONFIG_DIR/config.yaml" ]; then
  render_config > "$CONFIG_DIR/config.yaml"
  chown root:"$SERVICE_GROUP" "$CONFIG_DIR/config.yaml"
  chmod 0640 "$CONFIG_DIR/config.yaml"
else
  echo "    kept the existing configuration"
fi

echo "==> $WRAPPER"
mkdir -p "$(dirname "$WRAPPER")"
cat > "$WRAPPER" <<WRAPPER
#!/bin/sh
# posdrop's CLI, run as the service user so that every file it creates stays the daemon's.
export POSDROP_CONFIG="\${POSDROP_CONFIG:-$CONFIG_DIR/config.yaml}"
if [ "\$(id -u)" = 0 ]; then exec runuser -u $SERVICE_USER -- "$NODE" "$PREFIX/bin/posdrop.js" "\$@"; fi
exec "$NODE" "$PREFIX/bin/posdrop.js" "\$@"
WRAPPER
chmod 0755 "$WRAPPER"
"$WRAPPER" config check || die "the configuration in $CONFIG_DIR/config.yaml has problems (listed above)"

echo "==> $UNIT"
mkdir -p "$(dirname "$UNIT")"
render_unit > "$UNIT"
chmod 0644 "$UNIT"
if command -v systemd-analyze >/dev/null 2>&1; then systemd-analyze verify "$UNIT"; fi

if [ -n "$ROOT" ]; then
  echo "    installed under $ROOT: systemd was left alone"
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable posdrop.service >/dev/null
  if [ "$START" = yes ]; then
    # restart: an upgrade takes effect at once (migrations run at start).
    systemctl restart posdrop.service
    systemctl --no-pager --lines=0 status posdrop.service || true
  fi
else
  echo "    systemd is not running here: start posdrop with systemctl start posdrop on the server"
fi

echo
echo "posdrop is installed. Next steps (README.md, 'Operating posdrop'):"
echo "  posdrop partners add <id> --format all --key-file <partner>.pub"
echo "  posdrop status"
echo "  curl -s http://127.0.0.1:9464/healthz"
