// Counters, histograms, the /metrics /health /ready endpoint and the periodic stats log line.
/**
 * Ownership: the relay path only increments {@link dev.sluice.proxy.metrics.Buckets} and LongAdders (per pool in
 * {@code PoolStats}, process-wide in {@link dev.sluice.proxy.metrics.ProxyCounters}) and never calls Micrometer.
 * {@link dev.sluice.proxy.metrics.MetricsEndpoint} runs on a thread of its own; its collector reads everything at
 * scrape time. {@link dev.sluice.proxy.metrics.StatsReporter} is driven by the Janitor, the one owner of time.
 */
package dev.sluice.proxy.metrics;
