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
        // Bytes waiting for the disk across all uploads: a quarter of the direct memory (8 MiB with
        // the shipped flags); the rest is for socket reads, one buffer per busy connection.
        long high = Math.min(16L << 20, Math.max(1L << 20, io.netty.util.internal.PlatformDependent.maxDirectMemory() / 4));
        UploadBudget budget = new UploadBudget(high, high / 2);
        FileHeaders fileHeaders = new FileHeaders();
        return () -> new FilerHandler(services, common, fileHeaders, budget);
    }
}
