// Collects the data points of one metric family during a scrape and turns them into a Prometheus snapshot.
package dev.sluice.proxy.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;

/** Counters are named without {@code _total}: the exposition format adds it. */
final class Family {
    private static final double[] UPPER_BOUNDS;

    static {
        UPPER_BOUNDS = new double[Buckets.BOUNDS_SECONDS.length + 1];
        System.arraycopy(Buckets.BOUNDS_SECONDS, 0, UPPER_BOUNDS, 0, Buckets.BOUNDS_SECONDS.length);
        UPPER_BOUNDS[Buckets.BOUNDS_SECONDS.length] = Double.POSITIVE_INFINITY;
    }

    private enum Kind { GAUGE, COUNTER, HISTOGRAM }

    private final Kind kind;
    private final String name;
    private final String help;
    private final List<Object> points = new ArrayList<>();

    private Family(Kind kind, String name, String help) {
        this.kind = kind;
        this.name = name;
        this.help = help;
    }

    static Family gauge(String name, String help) {
        return new Family(Kind.GAUGE, name, help);
    }

    static Family counter(String name, String help) {
        return new Family(Kind.COUNTER, name, help);
    }

    static Family histogram(String name, String help) {
        return new Family(Kind.HISTOGRAM, name, help);
    }

    /** {@code labels} alternate names and values. */
    Family add(double value, String... labels) {
        Labels l = Labels.of(labels);
        points.add(kind == Kind.GAUGE
                ? GaugeDataPointSnapshot.builder().value(value).labels(l).build()
                : CounterDataPointSnapshot.builder().value(value).labels(l).build());
        return this;
    }

    Family add(Buckets b, String... labels) {
        long[] counts = b.counts();
        points.add(HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(UPPER_BOUNDS, counts))
                .sum(b.sumNanos() / 1e9).labels(Labels.of(labels)).build());
        return this;
    }

    MetricSnapshot snapshot() {
        return switch (kind) {
            case GAUGE -> {
                GaugeSnapshot.Builder g = GaugeSnapshot.builder().name(name).help(help);
                points.forEach(p -> g.dataPoint((GaugeDataPointSnapshot) p));
                yield g.build();
            }
            case COUNTER -> {
                CounterSnapshot.Builder c = CounterSnapshot.builder().name(name).help(help);
                points.forEach(p -> c.dataPoint((CounterDataPointSnapshot) p));
                yield c.build();
            }
            case HISTOGRAM -> {
                HistogramSnapshot.Builder h = HistogramSnapshot.builder().name(name).help(help);
                points.forEach(p -> h.dataPoint((HistogramDataPointSnapshot) p));
                yield h.build();
            }
        };
    }
}
