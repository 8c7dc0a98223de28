package diloco.data;

import org.apache.spark.Partitioner;

/**
 * Partition i holds worker i's documents. Explicit, so the assignment is a pure function of the
 * document id and seed; {@code repartition()} would shuffle differently on a re-run.
 */
public final class WorkerPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;

    private final int workers;

    public WorkerPartitioner(int workers) {
        this.workers = workers;
    }

    @Override
    public int numPartitions() {
        return workers;
    }

    @Override
    public int getPartition(Object key) {
        return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkerPartitioner && ((WorkerPartitioner) o).workers == workers;
    }

    @Override
    public int hashCode() {
        return workers;
    }
}
