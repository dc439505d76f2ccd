#!/bin/bash
# The stand-in's entrypoint: what the official mysql image's does on first start, for MariaDB.
# Passwords reach the server on the client's standard input only: never in an argument, never in a
# log line.
set -euo pipefail

log() { echo "$(date -u +%FT%TZ) [Entrypoint]: $*"; }
fail() { log "error: $*" >&2; exit 1; }

# VAR or the contents of the file VAR_FILE names, as the official image's file_env.
file_env() {
    local name=$1 file_name="${1}_FILE" value=""
    if [[ -n "${!name:-}" && -n "${!file_name:-}" ]]; then
        fail "both $name and $file_name are set (but are exclusive)"
    fi
    if [[ -n "${!name:-}" ]]; then
        value=${!name}
    elif [[ -n "${!file_name:-}" ]]; then
        value=$(<"${!file_name}")
    fi
    export "$name"="$value"
    unset "$file_name"
}

# A string as an SQL literal: quotes and backslashes escaped.
sql_string() {
    local value=${1//\\/\\\\}
    printf "'%s'" "${value//\'/\\\'}"
}

if [[ "${1:0:1}" == "-" ]]; then
    set -- mysqld "$@"
fi

if [[ "$1" == mysqld || "$1" == mariadbd ]] && [[ "$(id -u)" == 0 ]]; then
    datadir=/var/lib/mysql
    socket=/run/mysqld/mysqld.sock
    mkdir -p /run/mysqld
    chown mysql:mysql "$datadir" /run/mysqld

    if [[ ! -d "$datadir/mysql" ]]; then
        file_env MYSQL_ROOT_PASSWORD
        file_env MYSQL_DATABASE
        file_env MYSQL_USER
        file_env MYSQL_PASSWORD
        if [[ -z "$MYSQL_ROOT_PASSWORD" && -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" && -z "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]]; then
            fail "database is uninitialized and password option is not specified
    You need to specify one of the following as an environment variable:
    - MYSQL_ROOT_PASSWORD
    - MYSQL_ALLOW_EMPTY_PASSWORD
    - MYSQL_RANDOM_ROOT_PASSWORD"
        fi
        if [[ -n "${MYSQL_RANDOM_ROOT_PASSWORD:-}" ]]; then
            MYSQL_ROOT_PASSWORD=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
            log "GENERATED ROOT PASSWORD: $MYSQL_ROOT_PASSWORD"
        fi

        log "Initializing database files"
        mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
            --auth-root-authentication-method=normal >/dev/null
        log "Database files initialized"

        log "Starting temporary server"
        "$@" --user=mysql --skip-networking --socket="$socket" &
        temporary=$!
        for _ in $(seq 60); do
            mariadb-admin --socket="$socket" --user=root ping >/dev/null 2>&1 && break
            kill -0 "$temporary" 2>/dev/null || fail "temporary server failed to start"
            sleep 1
        done
        log "Temporary server started."

        {
            echo "SET @@SESSION.SQL_LOG_BIN=0;"
            echo "DELETE FROM mysql.global_priv WHERE User NOT IN ('mysql.sys', 'mariadb.sys', 'root') OR Host NOT IN ('localhost');"
            echo "FLUSH PRIVILEGES;"
            echo "SET PASSWORD FOR 'root'@'localhost' = PASSWORD($(sql_string "$MYSQL_ROOT_PASSWORD"));"
            echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_string "$MYSQL_ROOT_PASSWORD");"
            echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
            if [[ -n "$MYSQL_DATABASE" ]]; then
                log "Creating database ${MYSQL_DATABASE}" >&2
                echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE//\`/\`\`}\`;"
            fi
            if [[ -n "$MYSQL_USER" && -n "$MYSQL_PASSWORD" ]]; then
                log "Creating user ${MYSQL_USER}" >&2
                echo "CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "$MYSQL_PASSWORD");"
                if [[ -n "$MYSQL_DATABASE" ]]; then
                    log "Giving user ${MYSQL_USER} access to schema ${MYSQL_DATABASE}" >&2
                    echo "GRANT ALL ON \`${MYSQL_DATABASE//\`/\`\`}\`.* TO $(sql_string "$MYSQL_USER")@'%';"
                fi
            fi
            echo "FLUSH PRIVILEGES;"
        } | mariadb --socket="$socket" --user=root --protocol=socket

        for file in /docker-entrypoint-initdb.d/*; do
            case "$file" in
            *.sh)
                log "running $file"
                # shellcheck source=/dev/null # the image user's scripts
                . "$file"
                ;;
            *.sql) log "running $file"; MYSQL_PWD=$MYSQL_ROOT_PASSWORD mariadb --socket="$socket" --user=root "${MYSQL_DATABASE:-}" <"$file" ;;
            *) [[ -e "$file" ]] && log "ignoring $file" ;;
            esac
        done

        log "Stopping temporary server"
        kill -TERM "$temporary"
        wait "$temporary" || fail "temporary server did not stop cleanly"
        log "Temporary server stopped"
        unset MYSQL_ROOT_PASSWORD MYSQL_PASSWORD
        log "MySQL init process done. Ready for start up."
    fi

    # As the official image's `gosu mysql`: the server replaces this script and runs as mysql.
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$@"
fi

exec "$@"
