package org.prosodyfiler.http;

import io.netty.channel.ChannelHandler;
import java.util.function.Supplier;

/** Creates the per-connection application handler (its classes stay package-private). */
public final class Handlers {
    private Handlers() {
    }

    /** One factory per server: the common response headers are built once and shared. */
    public static Supplier<ChannelHandler> filer(Services services) {
        CommonHeaders common = new CommonHeaders(services.config().metronomeDeleteSecret().isPresent());
        // 16 MiB waiting for the disk across all uploads, a quarter of the shipped direct-memory cap.
        UploadBudget budget = new UploadBudget(16L << 20, 8L << 20);
        return () -> new FilerHandler(services, common, budget);
    }
}
