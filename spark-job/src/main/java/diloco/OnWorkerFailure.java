package diloco;

/** What a round does when a worker fails all its task attempts or the round times out. */
public enum OnWorkerFailure { FAIL, DROP }
