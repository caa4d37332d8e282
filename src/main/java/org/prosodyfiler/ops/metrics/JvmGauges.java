package org.prosodyfiler.ops.metrics;

import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * The few process and JVM numbers that matter for a small server: heap and non-heap, direct
 * buffers (the JDK's pools and Netty's pooled allocator, which holds socket reads), resident
 * memory, threads, file descriptors, GC time. Read straight from the platform MXBeans and
 * /proc on each scrape; the names follow the Prometheus Java client's JVM metrics where one
 * exists, without pulling in its instrumentation module and its many series.
 */
final class JvmGauges {
    private static final Path PROC_STATUS = Path.of("/proc/self/status");
    private static final Path PROC_FDS = Path.of("/proc/self/fd");

    private JvmGauges() {
    }

    static void register(PrometheusRegistry registry, String version) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        GaugeWithCallback.builder().name("jvm_memory_used_bytes")
                .help("Used bytes of a memory area (heap, nonheap).").labelNames("area")
                .callback(cb -> {
                    cb.call(memory.getHeapMemoryUsage().getUsed(), "heap");
                    cb.call(memory.getNonHeapMemoryUsage().getUsed(), "nonheap");
                }).register(registry);
        GaugeWithCallback.builder().name("jvm_memory_committed_bytes")
                .help("Committed bytes of a memory area (heap, nonheap).").labelNames("area")
                .callback(cb -> {
                    cb.call(memory.getHeapMemoryUsage().getCommitted(), "heap");
                    cb.call(memory.getNonHeapMemoryUsage().getCommitted(), "nonheap");
                }).register(registry);
        GaugeWithCallback.builder().name("jvm_memory_max_bytes")
                .help("Maximum bytes of a memory area (heap, nonheap); absent when unbounded.").labelNames("area")
                .callback(cb -> {
                    callIfSet(cb, memory.getHeapMemoryUsage(), "heap");
                    callIfSet(cb, memory.getNonHeapMemoryUsage(), "nonheap");
                }).register(registry);

        List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        GaugeWithCallback.builder().name("jvm_buffer_pool_used_bytes")
                .help("Bytes used by a JDK buffer pool (direct, mapped).").labelNames("pool")
                .callback(cb -> pools.forEach(p -> cb.call(p.getMemoryUsed(), p.getName()))).register(registry);
        GaugeWithCallback.builder().name("jvm_buffer_pool_capacity_bytes")
                .help("Capacity of a JDK buffer pool (direct, mapped).").labelNames("pool")
                .callback(cb -> pools.forEach(p -> cb.call(p.getTotalCapacity(), p.getName()))).register(registry);
        GaugeWithCallback.builder().name("jvm_buffer_pool_used_buffers")
                .help("Buffers in a JDK buffer pool (direct, mapped).").labelNames("pool")
                .callback(cb -> pools.forEach(p -> cb.call(p.getCount(), p.getName()))).register(registry);

        ByteBufAllocatorMetric netty = PooledByteBufAllocator.DEFAULT.metric();
        GaugeWithCallback.builder().name("netty_allocator_used_bytes")
                .help("Memory held by Netty's pooled allocator (socket buffers), by kind (direct, heap).").labelNames("kind")
                .callback(cb -> {
                    cb.call(netty.usedDirectMemory(), "direct");
                    cb.call(netty.usedHeapMemory(), "heap");
                }).register(registry);

        GaugeWithCallback.builder().name("jvm_threads_current")
                .help("Live threads.")
                .callback(cb -> cb.call(ManagementFactory.getThreadMXBean().getThreadCount())).register(registry);

        List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
        CounterWithCallback.builder().name("jvm_gc_collection_seconds_total")
                .help("Time spent in garbage collection, by collector.").labelNames("gc")
                .callback(cb -> gcs.forEach(g -> cb.call(Math.max(0, g.getCollectionTime()) / 1000.0, g.getName())))
                .register(registry);
        CounterWithCallback.builder().name("jvm_gc_collections_total")
                .help("Garbage collections, by collector.").labelNames("gc")
                .callback(cb -> gcs.forEach(g -> cb.call(Math.max(0, g.getCollectionCount()), g.getName())))
                .register(registry);

        long startMillis = ManagementFactory.getRuntimeMXBean().getStartTime();
        GaugeWithCallback.builder().name("process_start_time_seconds")
                .help("Start time of the process (Unix time).")
                .callback(cb -> cb.call(startMillis / 1000.0)).register(registry);
        GaugeWithCallback.builder().name("process_resident_memory_bytes")
                .help("Resident set size: the memory the process really occupies (Linux).")
                .callback(cb -> residentBytes().ifPresent(cb::call)).register(registry);
        GaugeWithCallback.builder().name("process_open_fds")
                .help("Open file descriptors: connections, files being served or written (Linux).")
                .callback(cb -> openFds().ifPresent(cb::call)).register(registry);

        Info build = Info.builder().name(FilerMetrics.PREFIX + "build")
                .help("The version of Prosody Filer and of the Java runtime.").labelNames("version", "java")
                .register(registry);
        build.setLabelValues(version, Runtime.version().toString());
    }

    private static void callIfSet(GaugeWithCallback.Callback cb, MemoryUsage u, String area) {
        if (u.getMax() >= 0) {
            cb.call(u.getMax(), area);
        }
    }

    /** VmRSS from /proc/self/status, in bytes. */
    static OptionalLong residentBytes() {
        try (Stream<String> lines = Files.lines(PROC_STATUS)) {
            return lines.filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong openFds() {
        try (Stream<Path> fds = Files.list(PROC_FDS)) {
            return OptionalLong.of(fds.count());
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
