# shellcheck shell=bash disable=SC2034  # <name>_timeout and <name>_stop_signal are read by name
# Apache Kafka 4.x, one combined broker+controller node (KRaft), from the jars on Maven Central
# (services.d/kafka/pom.xml), not a release tarball. Data in .services/kafka/data survives stop
# and start; the node is formatted once. Topics are created on every start when missing.

kafka_timeout=60
kafka_stop_signal=TERM # controlled shutdown
KAFKA_HEAP=${SMS_KAFKA_HEAP:-512m}
# name:partitions
KAFKA_TOPICS=(healthcheck:6 mail:3 mail.dlq:1)

KAFKA_CP_FILE=
KAFKA_SETUP_CLASSES=

kafka_install() {
  find_java >/dev/null # fills JAVA_BIN
  KAFKA_CP_FILE=$(mvn_classpath kafka "$SVC_LIB/kafka/pom.xml")
  KAFKA_SETUP_CLASSES=$(compile_java "$SVC_LIB/kafka/KafkaSetup.java" "$KAFKA_CP_FILE")
}

# kafka_java [JVM options...] MAIN [args...]: java with the broker's classpath and logging.
kafka_java() {
  "$JAVA_BIN" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="file:$SVC_LIB/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$SVC_ROOT/kafka/logs" \
    -cp "$(cat "$KAFKA_CP_FILE"):$KAFKA_SETUP_CLASSES" "$@"
}

kafka_launch() {
  local dir="$SVC_ROOT/kafka"
  port_ensure kafka || return 1
  port_ensure kafka controller || return 1
  mkdir -p "$dir/data" "$dir/logs" || return 1
  sed -e "s|@PORT@|$(port_get kafka)|g" \
    -e "s|@CONTROLLER_PORT@|$(port_get kafka controller)|g" \
    -e "s|@DATA_DIR@|$dir/data|g" \
    "$SVC_LIB/kafka/server.properties" >"$dir/server.properties" || return 1
  if [ ! -f "$dir/data/meta.properties" ]; then
    # Any 22-character base64url UUID is a valid cluster id. One in 64 starts with '-': given as
    # a separate word, the tool would read it as an option and refuse to format.
    local cid
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    log "kafka: formatting $dir/data (cluster id $cid)"
    kafka_java kafka.tools.StorageTool format --cluster-id="$cid" -c "$dir/server.properties" \
      >>"$dir/log" 2>&1 || return 1
  fi
  spawn kafka "$dir/log" "$JAVA_BIN" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC \
    -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="file:$SVC_LIB/kafka/log4j2.properties" \
    -Dkafka.logs.dir="$dir/logs" -Dsms.services="$dir" \
    -cp "$(cat "$KAFKA_CP_FILE")" kafka.Kafka "$dir/server.properties"
}

kafka_ready() { tcp_open "$(port_get kafka)"; }

# The port answering is not the whole story: the Admin client waits until the broker serves
# metadata, then creates the topics.
kafka_post() {
  local out
  out=$(kafka_java KafkaSetup "127.0.0.1:$(port_get kafka)" "$kafka_timeout" "${KAFKA_TOPICS[@]}" \
    2>>"$SVC_ROOT/kafka/log") || return 1
  log "kafka: topics: $out"
}

kafka_url() { echo "127.0.0.1:$(port_get kafka)"; }
kafka_env() { echo "SMS_KAFKA_BROKERS=$(kafka_url)"; }
kafka_marker() { echo "-Dsms.services=$SVC_ROOT/kafka"; }
kafka_logs() { echo "$SVC_ROOT/kafka/log"; }
kafka_clean() { :; }
