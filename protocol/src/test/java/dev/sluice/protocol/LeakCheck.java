// JUnit extension that fails a test class when Netty reports a leaked ByteBuf during it.
package dev.sluice.protocol;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Netty only logs leaks, which a green build would hide. This installs a leak detector that also
 * records each report, then after every test class forces GC so unreleased buffers are found, and
 * fails the class if any were. Registered for all tests through JUnit's extension auto-detection
 * (see junit-platform.properties), which loads it before any test allocates a buffer: the
 * detector factory must be set before Netty's buffer classes initialize.
 *
 * <p>Netty tracks pooled and direct buffers only, so tests allocate with
 * {@code ByteBufAllocator.DEFAULT} (see {@code Golden.buf}) rather than {@code Unpooled}.
 */
public final class LeakCheck implements AfterAllCallback {
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static volatile boolean byteBufTracked;

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            // Netty 4.1 still declares only this deprecated overload abstract.
            @SuppressWarnings("deprecation")
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                    long maxActive) {
                if (resource.getSimpleName().equals("ByteBuf")) {
                    byteBufTracked = true;
                }
                return new RecordingDetector<>(resource, samplingInterval);
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        // Each allocation under the paranoid level polls the reference queue, so allocating after GC
        // is what makes Netty report buffers that became unreachable without being released.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
            // Must be a tracked allocation: Netty does not track unpooled heap buffers at all.
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
        }
        if (!byteBufTracked && ResourceLeakDetector.isEnabled()) {
            fail("LeakCheck was installed after ByteBuf initialized; leaks would go unnoticed");
        }
        List<String> leaks = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            leaks.add(leak);
        }
        if (!leaks.isEmpty()) {
            fail(leaks.size() + " leak(s) after " + context.getDisplayName() + ":\n" + String.join("\n", leaks));
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(resourceType + " leaked:" + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(resourceType + " leaked (no records)");
            super.reportUntracedLeak(resourceType);
        }
    }
}
