#!/usr/bin/env bash
# Make the machine ready for the test suite: PostgreSQL on 127.0.0.1:5432
# (user postgres, no password) and Redis on 127.0.0.1:6379.
# - installs Debian's packages when they are missing (root, apt-get), with the
#   system libraries listed below and nginx (the production tests run the
#   caching proxy of cms/deploy/nginx/ in front of gunicorn, as a process of their
#   own: the system's nginx is never started);
# - creates a PostgreSQL cluster when there is none, starts what is down.
# Exits non-zero with what to do by hand (in French) when it cannot.
set -euo pipefail

PG_PORT="${PG_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"

# Debian packages of the services.
SERVICE_PACKAGES="postgresql redis-server"
# nginx (the "nginx" package: the proxy and its cache are built in; nginx-light
# only adds the echo module). Only its binary is used, by tests/production/.
PROXY_PACKAGE="nginx"
# Where Debian puts it (not in every user's PATH).
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
# System libraries of WeasyPrint (PDF export), installed with the services.
WEASYPRINT_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0"

MANUAL="Sur un autre système, installez à la main :
  - PostgreSQL 13 ou plus (serveur, client et extension unaccent), qui écoute sur
    127.0.0.1:${PG_PORT} et accepte l'utilisateur postgres sans mot de passe depuis
    127.0.0.1 (méthode trust) ;
  - Redis 6 ou plus, sur 127.0.0.1:${REDIS_PORT} ;
  - nginx 1.18 ou plus (binaire nginx dans le PATH ou /usr/sbin : seul le binaire
    sert, les tests le lancent eux-mêmes) ;
  - Chromium en /usr/bin/chromium (tests dans le navigateur) ;
  - Pango 1.44 ou plus et HarfBuzz (bibliothèques de WeasyPrint).
Puis relancez : make test"

cannot() {
    {
        echo "ensure-services : $1"
        echo "$2"
    } >&2
    exit 1
}

has() { command -v "$1" >/dev/null 2>&1; }

missing_packages() {
    local missing=() package
    if ! { has pg_isready && has pg_ctlcluster && has pg_lsclusters && has psql; }; then
        missing+=(postgresql)
    fi
    if ! { has redis-server && has redis-cli; }; then
        missing+=(redis-server)
    fi
    if ! { has nginx || [ -x "$NGINX_BIN" ]; }; then
        missing+=("$PROXY_PACKAGE")
    fi
    # The proxy tests make a throwaway TLS certificate with it.
    has openssl || missing+=(openssl)
    if has dpkg-query; then
        for package in $WEASYPRINT_PACKAGES; do
            dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
                grep -q "install ok installed" || missing+=("$package")
        done
    fi
    echo "${missing[*]}"
}

install_packages() {
    local packages="$1"
    if ! has apt-get; then
        cannot "il manque ${packages}, et apt-get est introuvable : ce système n'est \
pas une Debian ou une Ubuntu." "$MANUAL"
    fi
    if [ "$(id -u)" != 0 ]; then
        cannot "il manque ${packages}, et seul root peut les installer." \
            "Relancez en root (sudo make test), ou installez-les vous-même :
  sudo apt-get install ${packages}"
    fi
    echo "Installation des paquets Debian : ${packages}…"
    export DEBIAN_FRONTEND=noninteractive
    # Debian's nginx package would start a system nginx on port 80 (and
    # enable it at boot): a policy-rc.d that says "no" keeps every package's
    # service from starting during the install, unless one is already there.
    local policy=/usr/sbin/policy-rc.d ours=no
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# ensure-services.sh: no service starts during its install.\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        ours=yes
    fi
    local status=0
    # shellcheck disable=SC2086  # one word per package
    if ! apt-get -o DPkg::Lock::Timeout=600 update -qq ||
        ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq $packages >/dev/null; then
        status=1
    fi
    [ "$ours" = no ] || rm -f "$policy"
    if [ "$status" != 0 ]; then
        cannot "apt-get n'a pas pu installer ${packages} (voir ses messages ci-dessus)." \
            "Vérifiez l'accès aux dépôts Debian, puis relancez : make test"
    fi
    case " $packages " in
    *" $PROXY_PACKAGE "*)
        # Installed for its binary only: not a service of this machine.
        if has systemctl && [ -d /run/systemd/system ]; then
            systemctl disable --now nginx.service >/dev/null 2>&1 || true
        fi
        ;;
    esac
}

wait_for() {
    for _ in $(seq 1 30); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    return 1
}

missing="$(missing_packages)"
fresh_postgresql=no
if [ -n "$missing" ]; then
    case " $missing " in *" postgresql "*) fresh_postgresql=yes ;; esac
    install_packages "$missing"
fi

# A cluster on our port, created when there is none. Debian's package creates
# "main" with password authentication over TCP: right after our own install it
# is empty, so it is recreated to accept postgres from 127.0.0.1 without one.
cluster="$(pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1 " " $2; exit }')"
if [ "$fresh_postgresql" = yes ] && [ -n "$cluster" ]; then
    # shellcheck disable=SC2086
    pg_dropcluster --stop $cluster
    cluster=""
fi
if [ -z "$cluster" ]; then
    version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$version" ] || cannot "aucun serveur PostgreSQL dans /usr/lib/postgresql." "$MANUAL"
    echo "Création du cluster PostgreSQL ${version}/main (port ${PG_PORT})…"
    pg_createcluster --port "$PG_PORT" "$version" main -- \
        --auth-local=peer --auth-host=trust >/dev/null ||
        cannot "pg_createcluster a échoué." "Relancez en root : sudo make test"
    cluster="$version main"
fi

if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; then
    echo "Démarrage de PostgreSQL (${cluster})…"
    # shellcheck disable=SC2086
    pg_ctlcluster --skip-systemctl-redirect $cluster start ||
        cannot "PostgreSQL ${cluster} ne démarre pas." \
            "Voir /var/log/postgresql/ ; en tant que root : pg_ctlcluster ${cluster} start"
    wait_for pg_isready -q -h 127.0.0.1 -p "$PG_PORT" ||
        cannot "PostgreSQL ne répond pas sur 127.0.0.1:${PG_PORT}." \
            "Voir /var/log/postgresql/"
fi
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "select 1" >/dev/null ||
    cannot "PostgreSQL répond sur 127.0.0.1:${PG_PORT} mais refuse l'utilisateur \
postgres sans mot de passe." "Donnez une adresse avec identifiant et mot de passe :
  make test PG_TEST_URL=postgres://utilisateur:motdepasse@127.0.0.1:${PG_PORT}/ebullitions"
echo "PostgreSQL : prêt sur 127.0.0.1:${PG_PORT}"

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "Démarrage de Redis…"
    logfile=""
    [ -w /var/log/redis ] && logfile=/var/log/redis/ci.log
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir /tmp --logfile "$logfile"
    wait_for redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping ||
        cannot "Redis ne répond pas sur 127.0.0.1:${REDIS_PORT}." \
            "Démarrez-le : redis-server --port ${REDIS_PORT}"
fi
echo "Redis : $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping)"
