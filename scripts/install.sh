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
# Running it again upgrades: the code is replaced, the data and configuration are kept, and
# the database is migrated when the service starts.
#
#   scripts/install.sh --print-unit [--prefix P] [--node N]   print the unit it would install
#   scripts/install.sh --print-config                         print config/posdrop.example.yaml as it installs it
set -eu

PREFIX=/opt/posdrop
NODE=$(command -v node || true)
START=yes
ACTION=install
DATA_DIR=/var/lib/posdrop
CONFIG_DIR=/etc/posdrop
BACKUP_DIR=/var/backups/posdrop
UNIT=/etc/systemd/system/posdrop.service
WRAPPER=/usr/local/bin/posdrop
SOURCE=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
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

echo "==> user posdrop"
if ! id posdrop >/dev/null 2>&1; then
  useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell /usr/sbin/nologin posdrop
fi

echo "==> $PREFIX"
rm -rf "$PREFIX.new"
mkdir -p "$PREFIX.new"
for part in bin config console dist node_modules scripts package.json package-lock.json README.md ARCHITECTURE.md; do
  [ -e "$SOURCE/$part" ] && cp -a "$SOURCE/$part" "$PREFIX.new/"
done
# The test and build tools are not needed on the server.
(cd "$PREFIX.new" && npm prune --omit=dev --no-audit --no-fund >/dev/null 2>&1) || true
chown -R root:root "$PREFIX.new"
chmod -R go-w "$PREFIX.new"
if [ -d "$PREFIX" ]; then rm -rf "$PREFIX.old"; mv "$PREFIX" "$PREFIX.old"; fi
mv "$PREFIX.new" "$PREFIX"
rm -rf "$PREFIX.old"

echo "==> $DATA_DIR, $BACKUP_DIR"
install -d -o posdrop -g posdrop -m 0750 "$DATA_DIR" "$BACKUP_DIR"

echo "==> $CONFIG_DIR/config.yaml"
install -d -o root -g posdrop -m 0750 "$CONFIG_DIR"
if [ ! -e "$CONFIG_DIR/config.yaml" ]; then
  render_config > "$CONFIG_DIR/config.yaml"
  chown root:posdrop "$CONFIG_DIR/config.yaml"
  chmod 0640 "$CONFIG_DIR/config.yaml"
else
  echo "    kept the existing configuration"
fi

echo "==> $WRAPPER"
cat > "$WRAPPER" <<WRAPPER
#!/bin/sh
# posdrop's CLI, run as the service user so that every file it creates stays the daemon's.
export POSDROP_CONFIG="\${POSDROP_CONFIG:-$CONFIG_DIR/config.yaml}"
if [ "\$(id -u)" = 0 ]; then exec runuser -u posdrop -- "$NODE" "$PREFIX/bin/posdrop.js" "\$@"; fi
exec "$NODE" "$PREFIX/bin/posdrop.js" "\$@"
WRAPPER
chmod 0755 "$WRAPPER"
"$WRAPPER" config check || die "the configuration in $CONFIG_DIR/config.yaml has problems (listed above)"

echo "==> $UNIT"
render_unit > "$UNIT"
chmod 0644 "$UNIT"
if command -v systemd-analyze >/dev/null 2>&1; then systemd-analyze verify "$UNIT"; fi

if [ -d /run/systemd/system ]; then
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
