package dev.keyway.proxy.internal;

import java.util.concurrent.ThreadLocalRandom;

/** Request ids: short random hex strings that correlate a problem body with its audit record. */
final class Ids {
    private Ids() {}

    static String requestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "req_" + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Integer.toHexString(r.nextInt() | 0x10000000);
    }
}
