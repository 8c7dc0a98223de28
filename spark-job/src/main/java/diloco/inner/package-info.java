/**
 * The inner loop of DiLoCo, free of Spark: {@link diloco.inner.InnerTrainer} takes a worker's H
 * AdamW steps on flat parameters and an optimizer state the caller owns, with
 * {@link diloco.inner.InnerSettings} and batches from a {@link diloco.data.BatchSource};
 * {@link diloco.inner.StepHooks} is where cancellation, fault injection and timing attach.
 */
package diloco.inner;
