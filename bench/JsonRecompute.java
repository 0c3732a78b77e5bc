// The old Glue way, for bench/curation-incremental-bench.sh: recompute all five tables from scratch over the
// raw JSON landing files (same semantics as curation/src/main/resources/sql, owner join, flag consent) and
// write them as Parquet. Run with the curation classpath and Spark's JVM flags (see the script).
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

public class JsonRecompute {
  public static void main(String[] args) {
    String in = args[0];
    String out = args[1];
    SparkSession spark = SparkSession.builder().master("local[*]").appName("json-recompute")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.caseSensitive", "true").getOrCreate();
    long start = System.nanoTime();
    // explicit schemas, as the Glue tables had (and no inference pass over the files)
    spark.read().schema("customerName STRING, email STRING, phone STRING, birthDay STRING, serialNumber STRING,"
        + " registrationDate BIGINT, lastUpdateDate BIGINT, shareWithResearchAsOfDate BIGINT,"
        + " shareWithPublicAsOfDate BIGINT, shareWithFriendsAsOfDate BIGINT")
        .json(in + "/customer").createOrReplaceTempView("customer_landing");
    spark.read().schema("user STRING, timestamp BIGINT, timeStamp BIGINT, x DOUBLE, y DOUBLE, z DOUBLE")
        .option("spark.sql.caseSensitive", "true").json(in + "/accelerometer")
        .selectExpr("user", "coalesce(timestamp, timeStamp) AS timestamp", "x", "y", "z")
        .createOrReplaceTempView("accelerometer_landing");
    spark.read().schema("sensorReadingTime BIGINT, serialNumber STRING, distanceFromObject INT")
        .json(in + "/step_trainer").createOrReplaceTempView("step_trainer_landing");
    spark.sql("SELECT customerName, email, phone, birthDay, serialNumber, registrationDate, lastUpdateDate,"
        + " shareWithResearchAsOfDate, shareWithPublicAsOfDate, shareWithFriendsAsOfDate FROM (SELECT *, row_number()"
        + " OVER (PARTITION BY email ORDER BY coalesce(lastUpdateDate, registrationDate) DESC) AS r FROM customer_landing)"
        + " WHERE r = 1 AND shareWithResearchAsOfDate IS NOT NULL").cache().createOrReplaceTempView("customer_trusted");
    spark.sql("SELECT DISTINCT a.user, a.timestamp, a.x, a.y, a.z FROM accelerometer_landing a JOIN customer_trusted c"
        + " ON a.user = c.email").cache().createOrReplaceTempView("accelerometer_trusted");
    spark.sql("SELECT c.* FROM customer_trusted c WHERE EXISTS (SELECT 1 FROM accelerometer_trusted a WHERE a.user ="
        + " c.email)").cache().createOrReplaceTempView("customers_curated");
    spark.sql("SELECT DISTINCT s.sensorReadingTime, s.serialNumber, s.distanceFromObject FROM step_trainer_landing s"
        + " WHERE EXISTS (SELECT 1 FROM customers_curated c WHERE c.serialNumber = s.serialNumber)").cache()
        .createOrReplaceTempView("step_trainer_trusted");
    spark.sql("SELECT s.sensorReadingTime, s.serialNumber, s.distanceFromObject, a.x, a.y, a.z, sha2(a.user, 256) AS"
        + " customerKey FROM step_trainer_trusted s JOIN accelerometer_trusted a ON a.timestamp = s.sensorReadingTime"
        + " WHERE EXISTS (SELECT 1 FROM customers_curated c WHERE c.email = a.user AND c.serialNumber = s.serialNumber)")
        .createOrReplaceTempView("machine_learning_curated");
    for (String t : new String[] {"customer_trusted", "accelerometer_trusted", "customers_curated", "step_trainer_trusted",
        "machine_learning_curated"}) {
      spark.table(t).write().mode("overwrite").parquet(Path.of(out, t).toString());
    }
    System.out.printf("json recompute: %.1f s%n", (System.nanoTime() - start) / 1e9);
    spark.stop();
  }
}
