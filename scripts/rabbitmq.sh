#!/usr/bin/env bash
# Local RabbitMQ for integration tests.
#
#   scripts/rabbitmq.sh start    start RabbitMQ unless 127.0.0.1:5672 already accepts connections
#                                (installs the Debian package when it is missing)
#   scripts/rabbitmq.sh stop     stop RabbitMQ only if `start` started it
#   scripts/rabbitmq.sh status   exit 0 when 127.0.0.1:5672 accepts connections
set -euo pipefail

readonly PORT=5672
readonly MARKER=${TMPDIR:-/tmp}/pjm-rabbitmq.started

die() {
  echo "rabbitmq.sh: $*" >&2
  exit 1
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# The node name decides the pid file `rabbitmqctl wait` watches. Debian's default is
# rabbit@<short hostname>, but /etc/rabbitmq/rabbitmq-env.conf may override it (these
# machines use rabbit@localhost).
node_name() {
  local name=${RABBITMQ_NODENAME:-}
  if [[ -z $name && -r /etc/rabbitmq/rabbitmq-env.conf ]]; then
    name=$(sed -n -E 's/^(export[[:space:]]+)?(RABBITMQ_)?NODENAME=["'\'']?([^"'\'']*)["'\'']?[[:space:]]*$/\3/p' \
      /etc/rabbitmq/rabbitmq-env.conf | tail -n 1)
  fi
  name=${name:-rabbit}
  [[ $name == *@* ]] || name="$name@$(hostname -s)"
  echo "$name"
}

cmd_start() {
  if port_open; then
    echo "127.0.0.1:$PORT already accepts connections; not starting RabbitMQ"
    return 0
  fi
  if ! command -v rabbitmq-server >/dev/null; then
    echo "installing rabbitmq-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends rabbitmq-server
  fi
  # The package's maintainer scripts may already have started it.
  if ! port_open; then
    rabbitmq-server -detached
    rabbitmqctl wait --timeout 60 "/var/lib/rabbitmq/mnesia/$(node_name).pid"
  fi
  touch "$MARKER"

  for _ in $(seq 30); do
    if port_open; then
      echo "RabbitMQ listening on 127.0.0.1:$PORT"
      return 0
    fi
    sleep 1
  done
  die "RabbitMQ started but 127.0.0.1:$PORT does not accept connections; see /var/log/rabbitmq/"
}

cmd_stop() {
  if [[ ! -f $MARKER ]]; then
    echo "RabbitMQ was not started by this script; leaving it running"
    return 0
  fi
  rabbitmqctl stop
  rm -f "$MARKER"
}

cmd_status() {
  if port_open; then
    echo "127.0.0.1:$PORT accepts connections"
  else
    echo "127.0.0.1:$PORT does not accept connections"
    return 1
  fi
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
