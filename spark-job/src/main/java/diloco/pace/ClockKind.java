package diloco.pace;

/**
 * The clock by which paces, deadlines and asynchronous arrivals are measured ({@code --clock}):
 * {@code WALL}, real seconds; {@code VIRTUAL}, one second per inner step of a full-speed worker
 * (FACTOR seconds for a worker slowed by {@code --simulate-slowdown}), so that runs which depend on
 * who is faster are reproducible bit for bit.
 */
public enum ClockKind { WALL, VIRTUAL }
