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
        return () -> new FilerHandler(services, common);
    }
}
