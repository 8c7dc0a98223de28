package diloco.spark;

/** Where treeAggregate takes its last sum (see {@code --final-combine}). */
public enum FinalCombine { AUTO, DRIVER, EXECUTOR }
