#!/usr/bin/env bash
# Start a clamd of the project's own with the shipped signature file (EICAR only), on a unix socket in the
# folder given (default instance/clamd); reuse it if it already answers. Prints the socket's path.
# The council's install points CLAMD_SOCKET at its own clamd, whose signatures freshclam keeps up to date.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="$(mkdir -p "${1:-instance/clamd}" && cd "${1:-instance/clamd}" && pwd)"
SOCKET="$DIR/clamd.sock"
if [ -S "$SOCKET" ] && python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(2); s.connect(sys.argv[1]); s.sendall(b"zPING\0"); sys.exit(s.recv(8)[:4] != b"PONG")' "$SOCKET" 2>/dev/null; then
  echo "$SOCKET"; exit 0
fi
mkdir -p "$DIR/db"
cp "$HERE/eicar.hdb" "$DIR/db/"
cat > "$DIR/clamd.conf" <<CONF
LocalSocket $SOCKET
DatabaseDirectory $DIR/db
PidFile $DIR/clamd.pid
Foreground no
LogFile $DIR/clamd.log
StreamMaxLength 100M
MaxFileSize 100M
CONF
rm -f "$SOCKET"
/usr/sbin/clamd --config-file="$DIR/clamd.conf" >/dev/null
for _ in $(seq 50); do [ -S "$SOCKET" ] && break; sleep 0.1; done
[ -S "$SOCKET" ] || { echo "clamd did not start: see $DIR/clamd.log" >&2; exit 1; }
echo "$SOCKET"
