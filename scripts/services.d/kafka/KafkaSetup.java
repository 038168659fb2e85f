// Waits until a Kafka broker answers, then creates topics that do not exist yet.
// Used by scripts/services after it starts the broker; one JVM instead of one per topic.
//
//   java -cp <kafka jars>:<classes> KafkaSetup <bootstrap> <timeout-seconds> name:partitions...
//
// Exit 0 when every topic exists with at least its partitions; 1 otherwise, with the reason on
// stderr. Prints the topic list on success.

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;

public final class KafkaSetup {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: KafkaSetup <bootstrap> <timeout-seconds> name:partitions...");
      System.exit(2);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = waitForBroker(admin, deadline);
      List<NewTopic> wanted = new ArrayList<>();
      for (int i = 2; i < args.length; i++) {
        String[] spec = args[i].split(":");
        if (!existing.contains(spec[0])) {
          wanted.add(new NewTopic(spec[0], Integer.parseInt(spec[1]), (short) 1));
        }
      }
      for (NewTopic topic : wanted) {
        try {
          admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
          System.err.println("created topic " + topic.name() + " (" + topic.numPartitions()
              + " partitions)");
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) throw e;
        }
      }
      waitForPartitions(admin, args, deadline);
      System.out.println(String.join(" ", new java.util.TreeSet<>(admin.listTopics().names()
          .get(10, TimeUnit.SECONDS))));
    }
  }

  // Retries listTopics until the broker answers or the deadline passes.
  private static Set<String> waitForBroker(Admin admin, long deadline) throws Exception {
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        return admin.listTopics().names().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        last = e;
        Thread.sleep(500);
      }
    }
    throw new IllegalStateException("broker did not answer in time", last);
  }

  // A topic just created may not be in the metadata yet: describe until it is.
  private static void waitForPartitions(Admin admin, String[] args, long deadline)
      throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 2; i < args.length; i++) names.add(args[i].split(":")[0]);
    Map<String, TopicDescription> desc = null;
    while (desc == null) {
      try {
        desc = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (System.nanoTime() > deadline) throw e;
        Thread.sleep(200);
      }
    }
    for (int i = 2; i < args.length; i++) {
      String[] spec = args[i].split(":");
      int have = desc.get(spec[0]).partitions().size();
      if (have < Integer.parseInt(spec[1])) {
        System.err.println("topic " + spec[0] + " has " + have + " partitions, wanted "
            + spec[1] + " (delete it or the kafka data to recreate it)");
        System.exit(1);
      }
    }
  }
}
