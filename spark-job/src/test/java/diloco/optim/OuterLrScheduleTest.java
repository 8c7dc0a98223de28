package diloco.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import diloco.option.UserError;

import org.junit.jupiter.api.Test;

class OuterLrScheduleTest {

    @Test
    void constantIsThePeakInEveryRound() {
        OuterLrSchedule s = OuterLrSchedule.parse("constant", 0.7f, 50);
        assertEquals(0.7f, s.at(1), 0f);
        assertEquals(0.7f, s.at(50), 0f);
    }

    /** Linear warm-up: round r of N gets peak·r/N, then the peak. */
    @Test
    void warmupRampsLinearly() {
        OuterLrSchedule s = OuterLrSchedule.parse("warmup:4", 0.7f, 10);
        assertEquals(0.175f, s.at(1), 1e-7f);
        assertEquals(0.35f, s.at(2), 1e-7f);
        assertEquals(0.7f, s.at(4), 0f);
        assertEquals(0.7f, s.at(10), 0f);
    }

    /** Cosine over 11 rounds: round 6 is halfway, 0.7·(0.1 + 0.9·0.5) = 0.385; the last is 0.1·peak. */
    @Test
    void cosineDecaysToItsMinimumAtTheLastRound() {
        OuterLrSchedule s = OuterLrSchedule.parse("cosine", 0.7f, 11);
        assertEquals(0.7f, s.at(1), 1e-7f);
        assertEquals(0.385f, s.at(6), 1e-6f);
        assertEquals(0.07f, s.at(11), 1e-7f);
        assertEquals(0.35f, OuterLrSchedule.parse("cosine:0", 0.7f, 3).at(2), 1e-6f);
    }

    /** Warm-up then cosine: rounds 1-2 ramp, the cosine runs over rounds 3..11 (halfway at round 7). */
    @Test
    void warmupThenCosine() {
        OuterLrSchedule s = OuterLrSchedule.parse("warmup:2,cosine", 0.7f, 11);
        assertEquals(0.35f, s.at(1), 1e-7f);
        assertEquals(0.7f, s.at(2), 1e-7f);
        assertEquals(0.7f, s.at(3), 1e-7f);
        assertEquals(0.385f, s.at(7), 1e-6f);
        assertEquals(0.07f, s.at(11), 1e-7f);
    }

    @Test
    void malformedSpecsAreUserErrors() {
        for (String bad : new String[] {"linear", "warmup:0", "warmup:x", "cosine:2", "constant,cosine",
                "warmup:2,warmup:3", "cosine,cosine"}) {
            UserError e = assertThrows(UserError.class, () -> OuterLrSchedule.parse(bad, 0.7f, 10), bad);
            assertEquals(true, e.getMessage().startsWith("--outer-lr-schedule"), e.getMessage());
        }
    }
}
