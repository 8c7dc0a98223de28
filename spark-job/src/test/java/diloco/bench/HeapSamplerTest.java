package diloco.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The overhead benchmark's heap readings: what is live shows in the heap after a collection and in the sampled peak. */
class HeapSamplerTest {
    private static final int MIB = 1 << 20;

    @Test
    void heapAfterACollectionIncludesWhatIsLive() throws Exception {
        RoundOverhead.HeapSampler sampler = new RoundOverhead.HeapSampler();
        sampler.start();
        byte[] live = new byte[96 * MIB];
        live[live.length - 1] = 1;
        // the notification arrives on the JMX notification thread: wait for it (a full collection
        // must report at least the live array), bounded so a missing notification fails
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (sampler.peakAfterGc.get() < live.length && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        sampler.stopSampling();
        long after = sampler.peakAfterGc.get();
        assertTrue(after >= live.length, "after a collection with 96 MiB live: " + after / MIB + " MiB");
        assertTrue(after <= Runtime.getRuntime().maxMemory(), "within the heap: " + after / MIB + " MiB");
        assertTrue(sampler.peakUsed >= live.length, "sampled in use: " + sampler.peakUsed / MIB + " MiB");
        assertTrue(live[live.length - 1] == 1); // keeps the array live until here
    }
}
