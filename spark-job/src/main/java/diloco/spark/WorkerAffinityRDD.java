package diloco.spark;

import diloco.data.Shard;

import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;

import scala.collection.Iterator;
import scala.collection.immutable.Nil$;
import scala.collection.immutable.Seq;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.util.HashMap;
import java.util.Map;

/**
 * The workers' shards, each preferring the executor that holds its worker's AdamW state, so that
 * a worker's task goes back to where its state is. Cache locality cannot say this: on a cluster
 * every shard is cached twice ({@link diloco.data.TrainingData}), and a task sent to the other
 * copy would have to restore an older state from disk. A worker that has no known executor yet
 * (round 1, a resumed run) takes the cache's locations.
 */
final class WorkerAffinityRDD extends RDD<Shard> {
    private static final long serialVersionUID = 1L;
    private static final ClassTag<Shard> SHARD = ClassTag$.MODULE$.apply(Shard.class);

    /** Worker → Spark's location tag of an executor ("executor_HOST_ID"). */
    private final HashMap<Integer, String> where;

    WorkerAffinityRDD(RDD<Shard> shards, Map<Integer, String> where) {
        super(shards, SHARD);
        this.where = new HashMap<>(where);
    }

    /** Spark's location tag of executor {@code id} on {@code host} (a process-local preference). */
    static String executorLocation(String host, String id) {
        return "executor_" + host + "_" + id;
    }

    @Override
    public Iterator<Shard> compute(Partition split, TaskContext context) {
        return firstParent(SHARD).iterator(split, context);
    }

    @Override
    public Partition[] getPartitions() {
        return firstParent(SHARD).partitions();
    }

    /**
     * An immutable Seq (a List) overrides both Scala 2.12's {@code collection.Seq} and 2.13's
     * {@code immutable.Seq} return type, so this class compiles against either.
     */
    @Override
    public Seq<String> getPreferredLocations(Partition split) {
        String executor = where.get(split.index());
        return executor == null ? firstParent(SHARD).preferredLocations(split).toList()
                : Nil$.MODULE$.$colon$colon(executor);
    }
}
