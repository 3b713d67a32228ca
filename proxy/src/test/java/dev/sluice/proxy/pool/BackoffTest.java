// Reconnect backoff: doubles from 100 ms, never past server_login_retry, jitter within the upper half.
package dev.sluice.proxy.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final long MS = 1_000_000L;

    @Test
    void doublesWithJitterUpToTheBound() {
        long max = 15_000 * MS;
        for (int i = 0; i < 200; i++) {
            assertThat(Backoff.delayNanos(1, max)).isBetween(50 * MS, 100 * MS);
            assertThat(Backoff.delayNanos(2, max)).isBetween(100 * MS, 200 * MS);
            assertThat(Backoff.delayNanos(5, max)).isBetween(800 * MS, 1600 * MS);
            assertThat(Backoff.delayNanos(10, max)).isBetween(7_500 * MS, 15_000 * MS);
            assertThat(Backoff.delayNanos(1_000, max)).isBetween(7_500 * MS, 15_000 * MS);
        }
    }

    @Test
    void spreadsRetries() {
        long first = Backoff.delayNanos(8, 60_000 * MS);
        boolean differs = false;
        for (int i = 0; i < 50 && !differs; i++) {
            differs = Backoff.delayNanos(8, 60_000 * MS) != first;
        }
        assertThat(differs).as("jitter").isTrue();
    }

    @Test
    void zeroBoundMeansRetryAtOnce() {
        assertThat(Backoff.delayNanos(3, 0)).isZero();
    }
}
