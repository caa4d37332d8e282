package org.prosodyfiler.http;

import io.netty.channel.ChannelHandler;
import java.util.function.Supplier;

/** Creates the per-connection application handler (its classes stay package-private). */
public final class Handlers {
    private Handlers() {
    }

    /** One factory per server: the common response headers are built once and shared, as is the memo of per-file headers. */
    public static Supplier<ChannelHandler> filer(Services services) {
        CommonHeaders common = new CommonHeaders(services.config().metronomeDeleteSecret().isPresent());
        // Bytes waiting for the disk across all uploads: an eighth of the direct memory (4 MiB with
        // the shipped flags). The buffer pool holds up to twice what is pinned (partly used 1 MiB
        // chunks), plus a socket read per busy connection. A quarter (8 MiB) gave 200 concurrent
        // uploads no more speed, and the pool ~8 MiB more resident memory (bench/ memory).
        long high = Math.min(16L << 20, Math.max(1L << 20, io.netty.util.internal.PlatformDependent.maxDirectMemory() / 8));
        UploadBudget budget = new UploadBudget(high, high / 2);
        FileHeaders fileHeaders = new FileHeaders();
        return () -> new FilerHandler(services, common, fileHeaders, budget);
    }
}
