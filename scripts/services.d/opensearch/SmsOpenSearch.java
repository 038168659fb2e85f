// One OpenSearch 2.x node on loopback, embedded through codelibs' OpenSearchRunner, for
// scripts/services. Data and logs under <base>/node_1; stays up until SIGTERM, which closes
// the node cleanly (the data is kept for the next start).
//
//   java -cp <opensearch jars>:<classes> SmsOpenSearch <base> <http-port> <transport-port>

import org.codelibs.opensearch.runner.OpenSearchRunner;

public final class SmsOpenSearch {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: SmsOpenSearch <base-dir> <http-port> <transport-port>");
      System.exit(2);
    }
    final String base = args[0];
    final int httpPort = Integer.parseInt(args[1]);
    final int transportPort = Integer.parseInt(args[2]);
    final OpenSearchRunner runner = new OpenSearchRunner();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        System.err.println("close failed: " + e);
      }
    }));
    runner.onBuild((number, s) -> {
      // Fixed ports: fail loudly rather than drift to another port as the runner would.
      s.put("http.port", httpPort);
      s.put("transport.port", transportPort);
      s.put("network.host", "127.0.0.1");
      s.put("discovery.type", "single-node");
      s.putList("node.roles", "cluster_manager", "data", "ingest");
      // Test machines may have fuller disks than production watermarks allow.
      s.put("cluster.routing.allocation.disk.threshold_enabled", false);
      s.put("action.auto_create_index", true);
    }).build(OpenSearchRunner.newConfigs().basePath(base).numOfNode(1).clusterName("sms-services"));
    runner.ensureYellow();
    System.out.println("SMS_OPENSEARCH_READY http://127.0.0.1:" + httpPort);
    while (!runner.isClosed()) {
      Thread.sleep(1000);
    }
  }
}
