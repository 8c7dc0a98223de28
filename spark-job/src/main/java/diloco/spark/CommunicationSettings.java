package diloco.spark;

import diloco.codec.DeltaEncoding;

import java.io.Serializable;

/**
 * How outer gradients travel: encoded by each worker, summed up a {@code treeAggregate} of the
 * given depth, the last sum taken on the driver or on an executor.
 *
 * @param encoding         what a worker's Δ looks like as it leaves its task
 * @param aggregationDepth treeAggregate's depth ({@code --aggregation-depth})
 * @param finalCombine     where the last sum is taken ({@code --final-combine})
 */
public record CommunicationSettings(DeltaEncoding encoding, int aggregationDepth, FinalCombine finalCombine)
        implements Serializable {
}
