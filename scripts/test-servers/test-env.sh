#!/usr/bin/env bash
# Throwaway servers for the tests, on free loopback ports, everything under one folder:
#   scripts/test-servers/test-env.sh start DIR   # starts them, writes DIR/env (export lines)
#   scripts/test-servers/test-env.sh stop DIR    # stops them and removes DIR
# Servers: PostgreSQL (role with a password) and a streaming replica of it, Redis (password +
# ACL user + unix socket), a Redis replica of it with its link up and one whose master is
# unreachable, nginx (HTTP, HTTPS with a test CA, HTTPS with an expired certificate),
# Alertmanager, a Pushgateway, a gRPC health server (plain, TLS, and a misbehaving one), dnsmasq,
# SMTP (plain, STARTTLS + AUTH, SMTPS), MariaDB (TLS, a password, a replica and one whose primary
# is unreachable).
set -euo pipefail

cmd=${1:?start or stop}
dir=${2:?folder}

# shellcheck source=scripts/lib/ports.sh
source "$(dirname "$0")/../lib/ports.sh"

wait_for() {  # wait_for DESCRIPTION COMMAND...: bounded wait (10 s)
    local what=$1; shift
    for _ in $(seq 200); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.05
    done
    echo "test-env: $what did not come up" >&2
    return 1
}

start_postgres() {
    local bin port
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    port=$(free_port)
    mkdir -p "$dir/pg"
    chown postgres:postgres "$dir/pg"
    # PostgreSQL refuses to run as root: everything as the postgres user, in a folder it owns.
    runuser -u postgres -- "$bin/initdb" -D "$dir/pg/data" -U postgres -A trust --no-sync >"$dir/pg/initdb.log"
    cat > "$dir/pg/data/pg_hba.conf" <<HBA
local all all trust
host all postgres 127.0.0.1/32 trust
host replication postgres 127.0.0.1/32 trust
hostssl all vitals_tls 127.0.0.1/32 scram-sha-256
hostnossl all vitals_tls 127.0.0.1/32 reject
host all all 127.0.0.1/32 scram-sha-256
HBA
    # TLS with the test CA's server certificate; the role vitals_tls may only log in over it.
    cp "$dir/certs/server.pem" "$dir/certs/server.key" "$dir/pg/"
    chown postgres:postgres "$dir/pg/server.pem" "$dir/pg/server.key"
    chmod 600 "$dir/pg/server.key"
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 30 \
        -o "-p $port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on -c ssl_cert_file=$dir/pg/server.pem -c ssl_key_file=$dir/pg/server.key" start >/dev/null
    local password=vitals-pg-$RANDOM$RANDOM
    runuser -u postgres -- "$bin/psql" -q -h "$dir/pg" -p "$port" -U postgres -c "CREATE ROLE vitals LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE ROLE vitals_tls LOGIN PASSWORD '$password'" \
        -c "CREATE DATABASE vitals OWNER vitals" >/dev/null
    {
        echo "export VITALS_TEST_PG_DSN='postgres://vitals@127.0.0.1:$port/vitals?sslmode=disable'"
        echo "export VITALS_TEST_PG_PASSWORD='$password'"
        echo "export VITALS_TEST_PG_TLS_DSN='postgres://vitals_tls@127.0.0.1:$port/vitals'"
        echo "export VITALS_TEST_PG_PORT=$port"
        echo "export VITALS_TEST_PG_SOCKET_DIR='$dir/pg'"
    } >> "$dir/env"
    echo "$bin" > "$dir/pg/bin"
    echo "$port" > "$dir/pg/port"
}

# A streaming replica of the primary: a base backup with -R (standby.signal and
# primary_conninfo), started on its own port. pg_hba.conf and the vitals role come with it.
start_postgres_replica() {
    local bin primary port
    bin=$(cat "$dir/pg/bin")
    primary=$(cat "$dir/pg/port")
    port=$(free_port)
    mkdir -p "$dir/pgr"
    chown postgres:postgres "$dir/pgr"
    runuser -u postgres -- "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir/pgr/data" \
        -R -X stream -c fast --no-sync >"$dir/pgr/basebackup.log" 2>&1 \
        || { echo "test-env: pg_basebackup failed:" >&2; cat "$dir/pgr/basebackup.log" >&2; return 1; }
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/pgr/data" -l "$dir/pgr/server.log" -w -t 30 \
        -o "-p $port -k $dir/pgr -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    echo "$port" > "$dir/pgr/port"
    # In recovery, and streaming from the primary (not only replaying what the backup held).
    wait_for "postgres replica" runuser -u postgres -- "$bin/psql" -qtAX -h "$dir/pgr" -p "$port" -U postgres -d postgres \
        -c "SELECT 1 / (pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'))::int"
    {
        echo "export VITALS_TEST_PG_REPLICA_DSN='postgres://vitals@127.0.0.1:$port/vitals?sslmode=disable'"
        echo "export VITALS_TEST_PG_REPLICA_PORT=$port"
        # For the test that restarts the replica (pg_ctl restart reuses its options).
        echo "export VITALS_TEST_PG_REPLICA_DATA='$dir/pgr/data'"
        echo "export VITALS_TEST_PG_BIN='$bin'"
    } >> "$dir/env"
}

start_redis() {
    local port password user_password
    port=$(free_port)
    password=vitals-redis-$RANDOM$RANDOM
    user_password=vitals-user-$RANDOM$RANDOM
    mkdir -p "$dir/redis"
    cat > "$dir/redis/redis.conf" <<CONF
port $port
bind 127.0.0.1
unixsocket $dir/redis/redis.sock
unixsocketperm 777
daemonize yes
pidfile $dir/redis/redis.pid
logfile $dir/redis/redis.log
dir $dir/redis
save ""
appendonly no
# The replicas sync at once, not after the default 5 s wait for more of them.
repl-diskless-sync-delay 0
user default on >$password ~* &* +@all
user vitals on >$user_password ~* &* +@all
CONF
    redis-server "$dir/redis/redis.conf"
    wait_for redis redis-cli -p "$port" -a "$password" --no-auth-warning ping
    {
        echo "export VITALS_TEST_REDIS=127.0.0.1:$port"
        echo "export VITALS_TEST_REDIS_PASSWORD='$password'"
        echo "export VITALS_TEST_REDIS_USER=vitals"
        echo "export VITALS_TEST_REDIS_USER_PASSWORD='$user_password'"
        echo "export VITALS_TEST_REDIS_SOCKET='$dir/redis/redis.sock'"
    } >> "$dir/env"
    echo "$port" > "$dir/redis/port"
    echo "$password" > "$dir/redis/password"
    echo "$user_password" > "$dir/redis/user_password"
}

# A loopback port nothing listens on, below the ephemeral range the tests' own listeners and
# free_port draw from, so nothing starts listening there while the tests run.
dead_port() {
    python3 -c '
import socket
for p in range(1, 1024):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", p))
    except ConnectionRefusedError:
        print(p); break
    finally:
        s.close()
'
}

redis_info_has() {  # redis_info_has PORT PASSWORD TEXT: INFO replication contains TEXT
    redis-cli -p "$1" -a "$2" --no-auth-warning info replication | tr -d '\r' | grep -qx "$3"
}

# Two replicas of the test Redis, same ACL users: NAME's master is MASTER_PORT.
start_redis_replica() {  # start_redis_replica NAME MASTER_PORT -> prints its port
    local name=$1 master=$2 port password user_password
    port=$(free_port)
    password=$(cat "$dir/redis/password")
    user_password=$(cat "$dir/redis/user_password")
    mkdir -p "$dir/$name"
    cat > "$dir/$name/redis.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
pidfile $dir/$name/redis.pid
logfile $dir/$name/redis.log
dir $dir/$name
save ""
appendonly no
replicaof 127.0.0.1 $master
masterauth $password
user default on >$password ~* &* +@all
user vitals on >$user_password ~* &* +@all
CONF
    redis-server "$dir/$name/redis.conf"
    echo "$port"
}

# A standalone Redis of the tests' own, with maxmemory set: the memory-percent test reads a real
# limit, and the slow-answer test pauses its clients (CLIENT PAUSE) without holding up the others.
start_redis_limited() {
    local port password
    port=$(free_port)
    password=$(cat "$dir/redis/password")
    mkdir -p "$dir/redis-limited"
    cat > "$dir/redis-limited/redis.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
pidfile $dir/redis-limited/redis.pid
logfile $dir/redis-limited/redis.log
dir $dir/redis-limited
save ""
appendonly no
maxmemory 64mb
requirepass $password
CONF
    redis-server "$dir/redis-limited/redis.conf"
    wait_for "redis (limited)" redis-cli -p "$port" -a "$password" --no-auth-warning ping
    echo "export VITALS_TEST_REDIS_LIMITED=127.0.0.1:$port" >> "$dir/env"
}

start_redis_replicas() {
    local password up down dead
    password=$(cat "$dir/redis/password")
    up=$(start_redis_replica redis-replica "$(cat "$dir/redis/port")")
    dead=$(dead_port)
    down=$(start_redis_replica redis-replica-down "$dead")
    wait_for "redis replica link" redis_info_has "$up" "$password" master_link_status:up
    wait_for "redis replica without master" redis_info_has "$down" "$password" master_link_status:down
    {
        echo "export VITALS_TEST_REDIS_REPLICA=127.0.0.1:$up"
        echo "export VITALS_TEST_REDIS_REPLICA_DOWN=127.0.0.1:$down"
    } >> "$dir/env"
}

# MariaDB (Debian's mariadb-server): a primary with binary logs and TLS (the test CA's server
# certificate), a user with a password and one that must use TLS; a replica streaming from it;
# and a replica whose primary is unreachable (its IO thread stays Connecting).
start_mysql_instance() {  # start_mysql_instance NAME SERVER_ID PORT (its port also in DIR/NAME/port)
    local name=$1 id=$2 port=$3 m=$dir/$1 user=()
    # Its own tmpdir: three bootstraps at once in /tmp collide on their temporary tables' names.
    mkdir -p "$m/tmp"
    # mariadbd refuses to run as root: as the mysql user, in a folder it owns.
    if [ "$(id -u)" -eq 0 ]; then user=(--user=mysql); fi
    cp "$dir/certs/server.pem" "$dir/certs/server.key" "$dir/certs/ca.pem" "$m/"
    chmod 644 "$m/server.key"
    cat > "$m/my.cnf" <<CNF
[mariadbd]
datadir=$m/data
socket=$m/mysql.sock
port=$port
bind-address=127.0.0.1
pid-file=$m/mariadbd.pid
log-error=$m/error.log
tmpdir=$m/tmp
skip-name-resolve
innodb_buffer_pool_size=16M
innodb_log_file_size=8M
server-id=$id
log-bin=binlog
ssl-ca=$m/ca.pem
ssl-cert=$m/server.pem
ssl-key=$m/server.key
CNF
    [ ${#user[@]} -gt 0 ] && chown -R mysql:mysql "$m"
    mariadb-install-db --defaults-file="$m/my.cnf" "${user[@]}" --auth-root-authentication-method=socket --skip-test-db \
        >"$m/install.log" 2>&1 || { echo "test-env: mariadb-install-db failed:" >&2; cat "$m/install.log" >&2; return 1; }
    mariadbd --defaults-file="$m/my.cnf" "${user[@]}" >>"$m/error.log" 2>&1 &
    wait_for "mariadb $name" mariadb --no-defaults -S "$m/mysql.sock" -u root -e "SELECT 1"
    echo "$port" > "$m/port"
}

mysql_as_root() {  # mysql_as_root NAME SQL
    mariadb --no-defaults -S "$dir/$1/mysql.sock" -u root -e "$2"
}

start_mysql() {
    local port replica down password dead
    password=vitals-my-$RANDOM$RANDOM
    # The three at once: mariadb-install-db takes several seconds each.
    # Ports picked one after another, so no two draw the same free port.
    local pids=() pid
    port=$(free_port); replica=$(free_port); down=$(free_port)
    start_mysql_instance mysql 1 "$port" & pids+=($!)
    start_mysql_instance mysql-replica 2 "$replica" & pids+=($!)
    start_mysql_instance mysql-replica-down 3 "$down" & pids+=($!)
    for pid in "${pids[@]}"; do wait "$pid"; done
    mysql_as_root mysql "CREATE DATABASE vitals;
        CREATE USER 'vitals'@'127.0.0.1' IDENTIFIED BY '$password';
        GRANT SELECT, PROCESS, SLAVE MONITOR ON *.* TO 'vitals'@'127.0.0.1';
        CREATE USER 'vitals_tls'@'127.0.0.1' IDENTIFIED BY '$password' REQUIRE SSL;
        GRANT SELECT ON vitals.* TO 'vitals_tls'@'127.0.0.1';
        CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY '$password';
        GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';"
    dead=$(dead_port)
    mysql_as_root mysql-replica "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$port, MASTER_USER='repl',
        MASTER_PASSWORD='$password', MASTER_USE_GTID=current_pos, MASTER_CONNECT_RETRY=1; START SLAVE;"
    mysql_as_root mysql-replica-down "CREATE USER 'vitals'@'127.0.0.1' IDENTIFIED BY '$password';
        GRANT SELECT, PROCESS, SLAVE MONITOR ON *.* TO 'vitals'@'127.0.0.1';
        CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$dead, MASTER_USER='repl',
        MASTER_PASSWORD='$password', MASTER_CONNECT_RETRY=1; START SLAVE;"
    # Caught up: the users made on the primary have reached the replica.
    wait_for "mariadb replica" bash -c "mariadb --no-defaults -S '$dir/mysql-replica/mysql.sock' -u root -N \
        -e \"SELECT COUNT(*) FROM mysql.user WHERE user = 'vitals'\" | grep -qx 1"
    {
        echo "export VITALS_TEST_MYSQL_DSN='mysql://vitals@127.0.0.1:$port/vitals'"
        echo "export VITALS_TEST_MYSQL_PASSWORD='$password'"
        echo "export VITALS_TEST_MYSQL_TLS_DSN='mysql://vitals_tls@127.0.0.1:$port/vitals'"
        echo "export VITALS_TEST_MYSQL_REPLICA_DSN='mysql://vitals@127.0.0.1:$replica/vitals'"
        echo "export VITALS_TEST_MYSQL_REPLICA_DOWN_DSN='mysql://vitals@127.0.0.1:$down'"
    } >> "$dir/env"
}

make_certs() {
    local c=$dir/certs
    mkdir -p "$c/issued"
    : > "$c/index.txt"
    echo 1000 > "$c/serial"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/ca.key" -out "$c/ca.pem" -days 30 -subj "/CN=Vitals Test CA" 2>/dev/null
    cat > "$c/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $c/index.txt
new_certs_dir = $c/issued
serial = $c/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
CNF
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$c/server.ext"
    printf 'extendedKeyUsage=clientAuth\n' > "$c/client.ext"
    sign() {  # sign NAME EXTFILE STARTDATE ENDDATE
        openssl req -newkey rsa:2048 -nodes -keyout "$c/$1.key" -out "$c/$1.csr" -subj "/CN=$1" 2>/dev/null
        openssl ca -batch -notext -config "$c/ca.cnf" -cert "$c/ca.pem" -keyfile "$c/ca.key" -in "$c/$1.csr" -out "$c/$1.pem" \
            -extfile "$c/$2" -startdate "$3" -enddate "$4" 2>/dev/null
    }
    local now_plus_30d
    now_plus_30d=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
    sign server server.ext "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" "$now_plus_30d"
    sign expired server.ext 20200101000000Z 20200201000000Z
    sign client client.ext "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" "$now_plus_30d"
}

start_nginx() {
    local http https expired mtls
    http=$(free_port); https=$(free_port); expired=$(free_port); mtls=$(free_port)
    local n=$dir/nginx
    mkdir -p "$n/www" "$n/tmp"
    echo '<!doctype html><title>vitals test</title><p>ok</p>' > "$n/www/index.html"
    printf 'ok\n' > "$n/www/static.txt"
    head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'x' > "$n/www/big"
    cat > "$n/nginx.conf" <<CONF
worker_processes 1;
pid $n/nginx.pid;
error_log $n/error.log;
user root;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $n/tmp; proxy_temp_path $n/tmp; fastcgi_temp_path $n/tmp;
    uwsgi_temp_path $n/tmp; scgi_temp_path $n/tmp;
    types { text/html html; text/plain txt; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$http;
        listen 127.0.0.1:$https ssl;
        ssl_certificate $dir/certs/server.pem;
        ssl_certificate_key $dir/certs/server.key;
        root $n/www;
        location = /health { default_type application/json; return 200 '{"status":"UP"}'; }
        # For conditions: an empty list to measure with len(), and a header to read.
        location = /items {
            default_type application/json;
            add_header X-Vitals-Stage canary;
            return 200 '{"status":"UP","items":[]}';
        }
        location = /status/503 { return 503; }
        location = /status/404 { return 404; }
        location = /redirect { return 302 /health; }
        # An echo of what the probe sent: nginx reads the body only when it proxies, so /echo
        # passes the method, a test header, the content type and the body on to /echo-reply.
        location = /echo {
            proxy_pass http://127.0.0.1:$http/echo-reply;
            proxy_set_header X-Echo-Body \$request_body;
        }
        # What an httpbin-like /headers would show: the request's Authorization, as JSON.
        location = /echo-auth { default_type application/json; return 200 '{"auth":"\$http_authorization"}'; }
        location = /echo-reply {
            default_type text/plain;
            return 200 "method=\$request_method header=\$http_x_vitals_test type=\$http_content_type body=\$http_x_echo_body\n";
        }
        location / { }
    }
    server {
        listen 127.0.0.1:$expired ssl;
        ssl_certificate $dir/certs/expired.pem;
        ssl_certificate_key $dir/certs/expired.key;
        location / { return 200 'expired\n'; }
    }
    server {
        # Requires a client certificate signed by the test CA: 400 without one.
        listen 127.0.0.1:$mtls ssl;
        ssl_certificate $dir/certs/server.pem;
        ssl_certificate_key $dir/certs/server.key;
        ssl_client_certificate $dir/certs/ca.pem;
        ssl_verify_client on;
        location = /health { default_type application/json; return 200 '{"status":"UP","client":"\$ssl_client_s_dn"}'; }
    }
}
CONF
    nginx -c "$n/nginx.conf" -p "$n" -g 'daemon on;'
    wait_for nginx curl -sf "http://127.0.0.1:$http/health"
    {
        echo "export VITALS_TEST_HTTP=http://127.0.0.1:$http"
        echo "export VITALS_TEST_HTTPS=https://127.0.0.1:$https"
        echo "export VITALS_TEST_HTTPS_EXPIRED=https://127.0.0.1:$expired"
        echo "export VITALS_TEST_HTTPS_MTLS=https://127.0.0.1:$mtls"
        echo "export VITALS_TEST_CA_FILE='$dir/certs/ca.pem'"
        echo "export VITALS_TEST_CLIENT_CERT='$dir/certs/client.pem'"
        echo "export VITALS_TEST_CLIENT_KEY='$dir/certs/client.key'"
    } >> "$dir/env"
}

start_alertmanager() {
    local port bin
    bin=$(command -v prometheus-alertmanager || command -v alertmanager || true)
    [ -n "$bin" ] || { echo "test-env: no alertmanager binary" >&2; return 1; }
    port=$(free_port)
    mkdir -p "$dir/am/data"
    printf 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n' > "$dir/am/am.yml"
    "$bin" --config.file="$dir/am/am.yml" --storage.path="$dir/am/data" --web.listen-address="127.0.0.1:$port" \
        --cluster.listen-address= >"$dir/am/log" 2>&1 &
    echo $! > "$dir/am/pid"
    wait_for alertmanager curl -sf "http://127.0.0.1:$port/-/ready"
    echo "export VITALS_TEST_ALERTMANAGER=http://127.0.0.1:$port" >> "$dir/env"
}

# A Pushgateway without persistence, for `vitals check --push-gateway`.
start_pushgateway() {
    local port bin
    bin=$(command -v prometheus-pushgateway || command -v pushgateway || true)
    [ -n "$bin" ] || { echo "test-env: no pushgateway binary" >&2; return 1; }
    port=$(free_port)
    mkdir -p "$dir/pushgateway"
    "$bin" --web.listen-address="127.0.0.1:$port" >"$dir/pushgateway/log" 2>&1 &
    echo $! > "$dir/pushgateway/pid"
    wait_for pushgateway curl -sf "http://127.0.0.1:$port/-/ready"
    echo "export VITALS_TEST_PUSHGATEWAY=http://127.0.0.1:$port" >> "$dir/env"
}

# A real gRPC health server (grpcio-health-checking) in plain text and TLS, its control port
# (PUT /services/NAME with SERVING or NOT_SERVING) and a misbehaving one: scripts/test-servers/grpc-health-server.py.
start_grpc() {
    local plain tls hostile control
    plain=$(free_port); tls=$(free_port); hostile=$(free_port); control=$(free_port)
    mkdir -p "$dir/grpc"
    python3 "$(dirname "$0")/grpc-health-server.py" --plain "$plain" --tls "$tls" --hostile "$hostile" \
        --control "$control" --certs "$dir/certs" >"$dir/grpc/log" 2>&1 &
    echo $! > "$dir/grpc/pid"
    wait_for "grpc health server" curl -sf "http://127.0.0.1:$control/"
    {
        echo "export VITALS_TEST_GRPC=127.0.0.1:$plain"
        echo "export VITALS_TEST_GRPC_TLS=127.0.0.1:$tls"
        echo "export VITALS_TEST_GRPC_HOSTILE=127.0.0.1:$hostile"
        echo "export VITALS_TEST_GRPC_CONTROL=http://127.0.0.1:$control"
    } >> "$dir/env"
}

# dnsmasq answering for vitals.test on a free loopback port, UDP and TCP: A and AAAA (api),
# a CNAME to it (www), MX, TXT and SRV records, and PTR for 10.0.0.5; NXDOMAIN for any other
# name in vitals.test and REFUSED outside it (no upstream). big.vitals.test holds three TXT
# records of 400 bytes: over UDP without EDNS the answer is cut at 512 bytes with TC set, so a
# client must ask again over TCP to read it whole.
start_dnsmasq() {
    local port x200
    port=$(free_port)
    x200=$(printf 'x%.0s' $(seq 200))
    mkdir -p "$dir/dnsmasq"
    cat > "$dir/dnsmasq/dnsmasq.conf" <<CONF
local=/vitals.test/
host-record=api.vitals.test,10.0.0.5,fd00::5
cname=www.vitals.test,api.vitals.test
mx-host=vitals.test,mail.vitals.test,10
txt-record=txt.vitals.test,"v=spf1 -all"
srv-host=_sip._tcp.vitals.test,sip.vitals.test,5060,10,5
txt-record=big.vitals.test,"$x200","${x200}-1"
txt-record=big.vitals.test,"$x200","${x200}-2"
txt-record=big.vitals.test,"$x200","${x200}-3"
CONF
    # Daemonizes once its sockets are bound: a port taken fails here.
    dnsmasq --port="$port" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
        --conf-file="$dir/dnsmasq/dnsmasq.conf" --pid-file="$dir/dnsmasq/pid" --log-facility="$dir/dnsmasq/log"
    echo "export VITALS_TEST_DNS=127.0.0.1:$port" >> "$dir/env"
}

# SMTP servers for the email notifier (scripts/test-servers/test-smtp.py on Debian's python3-aiosmtpd): plain,
# STARTTLS required then AUTH, and implicit TLS (smtps) with AUTH, all with the test CA's server
# certificate. Each saves what it accepts as JSON under VITALS_TEST_SMTP_MAIL/FLAVOUR/.
start_smtp() {
    local plain starttls smtps password
    plain=$(free_port); starttls=$(free_port); smtps=$(free_port)
    password=vitals-smtp-$RANDOM$RANDOM
    mkdir -p "$dir/smtp/mail"
    /usr/bin/python3 -W ignore "$(dirname "$0")/test-smtp.py" --dir "$dir/smtp/mail" \
        --cert "$dir/certs/server.pem" --key "$dir/certs/server.key" --user vitals --password "$password" \
        --plain "$plain" --starttls "$starttls" --smtps "$smtps" >"$dir/smtp/log" 2>&1 &
    echo $! > "$dir/smtp/pid"
    for port in "$plain" "$starttls" "$smtps"; do wait_for "smtp on $port" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"; done
    {
        echo "export VITALS_TEST_SMTP=smtp://127.0.0.1:$plain"
        echo "export VITALS_TEST_SMTP_STARTTLS=smtp://127.0.0.1:$starttls"
        echo "export VITALS_TEST_SMTPS=smtps://127.0.0.1:$smtps"
        echo "export VITALS_TEST_SMTP_USER=vitals"
        echo "export VITALS_TEST_SMTP_PASSWORD='$password'"
        echo "export VITALS_TEST_SMTP_MAIL='$dir/smtp/mail'"
    } >> "$dir/env"
}

# Headless Chromium for the status page tests (Debian's chromium package): a browser, not a
# server, so nothing to stop; the tests find it here.
find_chromium() {
    local bin
    bin=$(command -v chromium || command -v chromium-browser || true)
    [ -n "$bin" ] || { echo "test-env: no chromium binary" >&2; return 1; }
    echo "export VITALS_TEST_CHROMIUM='$bin'" >> "$dir/env"
}

case "$cmd" in
start)
    mkdir -p "$dir"
    chmod 755 "$dir"
    : > "$dir/env"
    echo "export VITALS_TEST_REQUIRE_SERVERS=1" >> "$dir/env"
    make_certs
    start_postgres
    start_postgres_replica
    start_redis
    start_redis_replicas
    start_redis_limited
    start_mysql
    start_nginx
    start_alertmanager
    start_pushgateway
    start_grpc
    start_dnsmasq
    start_smtp
    find_chromium
    echo "test-env: servers up in $dir" >&2
    ;;
stop)
    [ -d "$dir" ] || exit 0
    if [ -f "$dir/pg/bin" ]; then
        # The replica first: stopped after its primary it would keep retrying the connection.
        [ -d "$dir/pgr/data" ] && runuser -u postgres -- "$(cat "$dir/pg/bin")/pg_ctl" -D "$dir/pgr/data" -m immediate stop >/dev/null 2>&1 || true
        runuser -u postgres -- "$(cat "$dir/pg/bin")/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    for pidfile in "$dir/mysql-replica/mariadbd.pid" "$dir/mysql-replica-down/mariadbd.pid" "$dir/mysql/mariadbd.pid" \
        "$dir/redis-replica/redis.pid" "$dir/redis-replica-down/redis.pid" "$dir/redis/redis.pid" "$dir/redis-limited/redis.pid" \
        "$dir/nginx/nginx.pid" "$dir/am/pid" "$dir/pushgateway/pid" "$dir/grpc/pid" "$dir/dnsmasq/pid"; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    [ -f "$dir/smtp/pid" ] && kill "$(cat "$dir/smtp/pid")" 2>/dev/null || true
    # mariadbd flushes before it exits: wait for it (bounded) before its folder goes.
    for pidfile in "$dir"/mysql*/mariadbd.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    sleep 0.2
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
